// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Where the time of a watched write() goes: `perf record -e cpu-clock` on
// the writer thread while it writes 64 B to /dev/null in a given state,
// then the top kernel/user symbols of `perf report`. Optional (--profile).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "states.h"

namespace bench {

struct Profile {
	StateId state;
	double seconds = 0;
	std::vector<std::pair<std::string, double>> symbols; // name, % of samples
};

Profile profile_state(Env &env, State &state, StateId id, double seconds, const std::string &perf);

} // namespace bench

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Where the time of a watched call goes: `perf record -e cpu-clock` on the
// writer thread while it runs one workload in a given state,
// then the top kernel/user symbols of `perf report`. Optional (--profile).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "states.h"

namespace bench {

struct Profile {
	StateId state;
	Workload workload;
	double seconds = 0;
	std::vector<std::pair<std::string, double>> symbols; // name, % of samples
};

Profile profile_state(Env &env, State &state, StateId id, Workload w, double seconds, const std::string &perf);

} // namespace bench

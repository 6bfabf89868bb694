// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// `bpfwatch check`: did one target's data leave the host, and was it
// acknowledged?
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "net/locality.h"
#include "targets/resolver.h"

namespace bpfwatch {

struct CheckOptions {
	ResolveOptions targets;   // exactly one container, cgroup or pid
	LocalityOverrides places; // --remote-net, --local-net
	std::string to;           // HOST[:PORT]; empty: any peer
	std::chrono::milliseconds window{30000};
	std::uint64_t min_bytes = 1;
	bool require_ack = true; // TCP bytes count once acknowledged
	bool json = false;
};

// Watches the target for the window, prints the verdict and returns its
// exit code (0 delivered, 1 not delivered or silent). Throws Error (exit 2).
int run_check(const CheckOptions &options);

} // namespace bpfwatch

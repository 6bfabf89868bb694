// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// `bpfwatch list`: every container the runtimes on this host can see, with
// the cgroup bpfwatch would count it by, and every runtime that did not
// answer, with why. The first thing to run when a name does not resolve.
// No probes are loaded: it only asks the runtimes and reads /proc and the
// cgroup tree.
#pragma once

#include <chrono>
#include <iosfwd>

#include "targets/listing.h"
#include "targets/resolver.h"

namespace bpfwatch {

struct ListCommandOptions {
	ResolveOptions runtimes;                 // which runtimes, where; the host paths
	bool json = false;                       // one JSON object instead of the table
	std::chrono::milliseconds timeout{3000}; // each runtime's, asked all at once
};

// Prints the listing to stdout; 0, or throws Error (no cgroup v2 mount).
int run_list(const ListCommandOptions &opt);

// The two forms of a listing; `elapsed`: how long it took in all.
void print_list_table(std::ostream &out, const ContainerListing &l, std::chrono::milliseconds elapsed);
void print_list_json(std::ostream &out, const ContainerListing &l, std::chrono::milliseconds elapsed);

} // namespace bpfwatch

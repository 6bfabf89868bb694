// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "list/list.h"

#include <iostream>

#include "util/error.h"

namespace bpfwatch {

int run_list(const ListCommandOptions &opt)
{
	using Clock = std::chrono::steady_clock;
	const auto start = Clock::now();
	ListOptions lo;
	lo.timeout = opt.timeout;
	ContainerListing listing = list_containers(opt.runtimes, lo);
	auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
	if (opt.json)
		print_list_json(std::cout, listing, elapsed);
	else
		print_list_table(std::cout, listing, elapsed);
	std::cout.flush();
	return kExitOk;
}

} // namespace bpfwatch

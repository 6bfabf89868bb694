// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "session/resolve.h"

#include <memory>

#include "probe/preflight.h"

namespace bpfwatch {

TargetBook resolve_book(const ResolveOptions &opts)
{
	// Privileges first: without them nothing else can work, and a runtime
	// socket refused for lack of them would hide which one is missing.
	check_can_load_probes();
	std::vector<Target> targets;
	if (!opts.containers.empty() || !opts.cgroups.empty() || !opts.pids.empty())
		targets = resolve_targets(opts);

	std::shared_ptr<CgroupNamer> namer = CgroupNamer::from_options(opts);
	return TargetBook(std::move(targets), cgroup_root_or_detect(opts.cgroup_root),
			  [namer](std::uint64_t id) { return namer->describe(id); });
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Every container every runtime on this host can see, with its cgroup:
// what `bpfwatch list` shows. Runtimes that did not answer are named,
// with why, beside the list; containers no runtime named are still listed,
// named from their cgroup path.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "targets/resolver.h"
#include "targets/runtimes.h"
#include "targets/target.h"

namespace bpfwatch {

// How one runtime endpoint answered.
struct RuntimeStatus {
	std::string runtime;  // "docker", "podman", "containerd", "cri-o"
	std::string endpoint; // the socket, program or state directory asked
	bool answered = false;
	// Not answered: "missing", "refused", "permission", "timeout",
	// "malformed" or "failed" (runtime_error.h); "" when it answered.
	std::string failure;
	std::string error;    // one line, as an Error would say it
	std::chrono::milliseconds elapsed{0};
	std::size_t containers = 0; // how many it listed (before de-duplication)
};

struct ContainerListing {
	// One per cgroup: runtimes in runtime_candidates order, then what only
	// the cgroup tree shows (name_source "cgroup path"); each group by
	// name. Each has runtime, name, name_source, pod/pod_namespace or
	// task, state, pid, cgroup_path and cgroup_id (the inode of its v2
	// directory).
	std::vector<Target> containers;
	std::vector<RuntimeStatus> runtimes; // every endpoint asked, in order
};

struct ListOptions {
	// Each runtime gets this long for its whole answer (its list and the
	// inspects that find pids); they are asked concurrently, so a hanging
	// runtime delays the listing by at most this, plus a fraction.
	std::chrono::milliseconds timeout{3000};
	// Runtimes that are not there ("missing") are left out of `runtimes`.
	bool omit_missing = false;
};

// Every container that opts.runtime ("auto": all of them) can see.
// Throws Error only when the cgroup v2 mount cannot be found.
ContainerListing list_containers(const ResolveOptions &opts, ListOptions lo = {});

// The same over given candidates (tests give fakes).
ContainerListing list_containers(std::vector<RuntimeCandidate> candidates, const std::string &cgroup_root,
				 const std::string &proc_root, ListOptions lo = {});

} // namespace bpfwatch

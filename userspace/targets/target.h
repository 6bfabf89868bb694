// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A target is a cgroup: runtimes only turn names into cgroup ids and back.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace bpfwatch {

struct Target {
	std::string name;         // "log-router"; the cgroup path when unnamed
	std::string runtime;      // "docker", "podman", "cgroup", "pid"
	std::string container_id; // full id; empty when not a container
	std::string cgroup_path;  // relative to the cgroup v2 root: "/docker/<id>"
	std::uint64_t cgroup_id = 0; // inode of the cgroup v2 directory
	pid_t pid = 0;            // the container's main pid, when known
	// What the user named, to find it again when it restarts: a container
	// name or id, a cgroup path; empty for a --pid target.
	std::string query;
};

} // namespace bpfwatch

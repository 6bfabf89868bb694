// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A target is a cgroup: runtimes only turn names into cgroup ids and back.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>

namespace bpfwatch {

struct Target {
	std::string name;         // "log-router"; the cgroup path when unnamed
	std::string runtime;      // "docker", "podman", "containerd", "cri-o", "cgroup", "pid";
				  // a guess from the path ("crio", "cri", ...) when no runtime answered
	std::string container_id; // full id; empty when not a container
	std::string cgroup_path;  // relative to the cgroup v2 root: "/docker/<id>"
	std::uint64_t cgroup_id = 0; // inode of the cgroup v2 directory
	pid_t pid = 0;            // the container's main pid, when known
	// What the user named, to find it again when it restarts: a container
	// name or id, a cgroup path; empty for a --pid target.
	std::string query;

	// Where `name` came from: "docker", "podman", "containerd", "cri-o"
	// (the runtime's own name), "kubernetes labels", "ecs labels" (the
	// name inside the pod or task), "cgroup path" (no runtime named it:
	// the short id read from the path), "" for --cgroup/--pid targets.
	std::string name_source;
	std::string runtime_name;      // the runtime's own name (Docker's, containerd's id)
	std::string runtime_namespace; // containerd's namespace: "k8s.io", "moby", "default"
	std::string state;             // the runtime's word: "running", "paused"; "" = unknown
	std::string pod;               // Kubernetes pod name, "" when none
	std::string pod_namespace;     // Kubernetes namespace
	std::string task;              // ECS task ARN, "" when none
	std::string container_name;    // Kubernetes or ECS container name
	std::map<std::string, std::string> labels; // the runtime's labels / OCI annotations
};

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// What the resolver needs from a container runtime, as an interface: the
// Docker client implements it (also for Podman's compatible socket), so do
// the podman CLI and several runtimes at once (runtimes.h), and tests feed
// it parsed fixtures.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bpfwatch {

// Labels (Docker, containerd) or OCI annotations, as the runtime gave them.
using Labels = std::map<std::string, std::string>;

// Who runs the container above the runtime, read from its labels
// (targets/orchestration.h): a Kubernetes pod or an ECS task. Empty
// fields when the container is a plain one.
struct Orchestration {
	std::string kind;           // "kubernetes", "ecs" or ""
	std::string pod;            // Kubernetes pod name
	std::string pod_namespace;  // its namespace ("namespace" is a C++ keyword)
	std::string task;           // ECS task ARN
	std::string container_name; // the name inside the pod or task definition
	bool sandbox = false;       // a pod's pause container or ECS's internal one
};

// One running container as a runtime lists it (Docker's GET
// /containers/json, containerd's task bundles, CRI-O's inspect API, ...).
struct ContainerSummary {
	std::string id;                 // full id
	std::vector<std::string> names; // without the leading '/'
	std::string image;
	std::string state;              // "running", "paused", ...
	pid_t pid = 0;                  // Podman, containerd, CRI-O list it; 0 = unknown
	// The fields below have initializers so that aggregate initialization
	// of the ones above stays warning-free (-Wmissing-field-initializers).
	std::string runtime = {};           // who listed it: "docker", "containerd", ...; "" = unknown
	std::string runtime_namespace = {}; // containerd's namespace ("k8s.io", "moby"); else ""
	Labels labels = {};
	Orchestration orchestration = {};
};

// The fields of GET /containers/{id}/json that bpfwatch uses.
struct ContainerDetails {
	std::string id;
	std::string name;               // without the leading '/'
	std::string status;             // State.Status: "running", "exited", "created"
	bool running = false;
	pid_t pid = 0;                  // State.Pid; 0 when not running
	int restart_count = 0;
	std::vector<std::string> exec_ids;
	std::string cgroup_parent;      // HostConfig.CgroupParent, "" = default
	Labels labels = {};             // Config.Labels
	Orchestration orchestration = {};
};

class ContainerSource {
public:
	virtual ~ContainerSource() = default;
	// "docker", "podman", "containerd", "cri-o": how targets found through
	// this source are labelled.
	virtual const std::string &runtime() const = 0;
	virtual std::vector<ContainerSummary> list_running() = 0;
	// nullopt when the runtime does not know `id_or_name`.
	virtual std::optional<ContainerDetails> inspect(const std::string &id_or_name) = 0;
	// Why part of what this source asks could not be asked in the last
	// list_running() (one runtime of several down); empty when all answered.
	virtual std::string partial_failure() const { return ""; }
	// The runtime label of a container this source listed: runtime()
	// unless the source speaks for several runtimes.
	virtual std::string runtime_of(const std::string &container_id) const
	{
		(void)container_id;
		return runtime();
	}
};

} // namespace bpfwatch

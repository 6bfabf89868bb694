// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// What the user names (containers, cgroup paths, pids) -> cgroup v2 ids,
// and, for "watch everything", cgroup ids -> names.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "targets/cgroup_index.h"
#include "targets/container_source.h"
#include "targets/containerd.h"
#include "targets/selector.h"
#include "targets/target.h"

namespace bpfwatch {

struct ResolveOptions {
	// Name, full id or unique id prefix; also a Kubernetes or ECS
	// container name (selector.h).
	std::vector<std::string> containers;
	std::vector<std::string> pods;   // "NAMESPACE/POD" or "NAMESPACE/POD/CONTAINER"
	std::vector<std::string> labels; // "KEY=VALUE", together one selector: all must match
	std::vector<std::string> cgroups;    // "/docker/abc" or "<v2 mount>/docker/abc"
	std::vector<pid_t> pids;
	// Who resolves container names (see make_container_source in
	// runtimes.h): "docker", "podman", "containerd", "cri-o" or "auto"
	// (each that is present). The one place these defaults are written:
	// the CLI shows them.
	std::string runtime = "auto";
	std::string docker_socket = "/var/run/docker.sock";
	// Podman's Docker-compatible API, served by `podman system service`.
	std::string podman_socket = "/run/podman/podman.sock";
	std::string podman_program = "podman"; // its CLI, used when no socket runs
	// containerd: each endpoint's task state, else its socket through ctr.
	std::vector<ContainerdEndpoint> containerd = default_containerd_endpoints();
	std::string ctr_program = "ctr";
	// CRI-O's socket, which also serves its inspect API.
	std::string crio_socket = "/var/run/crio/crio.sock";
	// Host paths, which differ when bpfwatch runs in a toolbox container.
	std::string proc_root = "/proc";
	std::string cgroup_root; // empty = the cgroup2 mount in /proc/self/mountinfo
};

// One Target per distinct cgroup, in the order given (containers, pods,
// labels, cgroups, pids). The container runtime is only asked when
// containers are selected, so --cgroup and --pid work without a daemon.
// Throws Error naming the first thing it could not find.
std::vector<Target> resolve_targets(const ResolveOptions &opts);
// The same with the runtime supplied; `source` may be null when
// opts.containers is empty.
std::vector<Target> resolve_targets(const ResolveOptions &opts, ContainerSource *source);

// What to ask to find a selected container again after it restarts (its
// Target::query): the name it was selected by; for a pod's container
// "pod:NAMESPACE/POD/CONTAINER" (a restarted pod container has a new id
// and the same names); for labels that selected this one container alone
// "label:KEY=VALUE,..." (its next life is whatever carries them); else the
// runtime's name for it. `selected`: how many containers `sel` selected.
std::string follow_query(const Selector &sel, const Target &t, std::size_t selected = 1);

// What became of a followed container, asked by its query (above): the
// selector again on the running containers (containerd and CRI-O have no
// event stream; this is their only way), else the runtime's inspect of
// the name, else of its last id, to tell stopped from removed.
struct ContainerLookup {
	enum class State { running, stopped, absent };
	State state = State::absent;
	Target target;  // running: where it runs now
	std::string id; // running or stopped: the container's id
};
// Throws Error when the runtime cannot be asked, or when a label query
// now selects several containers.
ContainerLookup look_up_container(const Target &last, ContainerSource &source, const std::string &cgroup_root,
				  const std::string &proc_root = "/proc");

// The running container `query` names: an exact id, an exact name, else
// the one Kubernetes or ECS container name, else the one id starting with
// `query` (match_selector of a container_selector). nullptr when none
// does; throws Error listing the candidates when it is ambiguous.
const ContainerSummary *find_container(const std::vector<ContainerSummary> &running,
				       const std::string &query);

// The selectors `opts` names: one per container, one per pod, one for all
// the labels, in that order.
std::vector<Selector> selectors_of(const ResolveOptions &opts);

// The Target of one container `source` listed: inspected for its pid,
// whose cgroup is the target; name, pod, task and labels from the list.
// Throws Error when it stopped meanwhile.
Target resolve_listed(const ContainerSummary &c, ContainerSource &source, const std::string &cgroup_root,
		      const std::string &proc_root = "/proc");

// cgroup_root, or the detected cgroup2 mount when it is empty.
std::string cgroup_root_or_detect(const std::string &cgroup_root);

struct NamerOptions {
	// A container id not in the cached list re-lists at most this often.
	std::chrono::milliseconds list_refresh{3000};
	// After the runtime failed (no daemon), it is not asked again for this
	// long: naming sits on the event path and must not wait on timeouts.
	std::chrono::milliseconds failure_backoff{30000};
	CgroupIndexLimits index{};
};

// Names cgroups seen in events: by the runtime's container name where
// known, else by the cgroup path, else "cgroup:<id>".
class CgroupNamer {
public:
	// `source` may be null: containers are then named by their path.
	CgroupNamer(std::string cgroup_root, std::unique_ptr<ContainerSource> source,
		    NamerOptions opts = {});

	// A namer for opts' cgroup root and runtime socket, with timeouts short
	// enough for the event path.
	static std::unique_ptr<CgroupNamer> from_options(const ResolveOptions &opts);

	Target describe(std::uint64_t cgroup_id);

	// Why the runtime could not be asked, the last time it failed.
	std::optional<std::string> runtime_error() const;

private:
	const ContainerSummary *lookup(const std::string &container_id);

	CgroupIndex index_;
	std::unique_ptr<ContainerSource> source_;
	NamerOptions opts_;
	std::unordered_map<std::string, ContainerSummary> containers_; // by full id
	std::optional<std::chrono::steady_clock::time_point> last_list_;
	std::optional<std::chrono::steady_clock::time_point> last_failure_;
	std::optional<std::string> error_;
};

} // namespace bpfwatch

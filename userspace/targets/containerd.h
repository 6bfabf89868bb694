// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// containerd, every namespace: k8s.io containers named by their pod
// (orchestration.h), the others (moby, default, ...) by their id.
//
// Primary source: containerd's on-disk task state, not its API. Every
// running task has a runtime v2 shim bundle
//   <state>/io.containerd.runtime.v2.task/<namespace>/<id>/
// holding config.json (the OCI spec: annotations, linux.cgroupsPath) and
// init.pid (the container's main process, in the host pid namespace).
// Why: no C++ containerd client is packaged, and the alternative, the ctr
// CLI, costs a process per container. Measured on the 2-vCPU development VM
// (containerd 1.6.20, dockerd's containerd, 100 running tasks: 50 in k8s.io,
// 50 Docker containers in moby): reading the bundles took 10-22 ms; ctr
// (`namespaces ls`, `tasks ls` per namespace, `containers info` per task,
// four at a time) took 1.0-1.6 s. The bundles are local files: no socket to
// hang on, and they still list every running container while containerd
// itself is wedged (the shims keep them).
// What the bundles lack: containerd's own container labels (its bolt
// metadata). `ctr run --label` also writes them as OCI annotations, and
// containerd's CRI plugin writes the pod's names as io.kubernetes.cri.*
// annotations, so pods are found either way; `labels` here are the OCI
// annotations.
// Fallback: when the state directory cannot be read (bpfwatch in a
// container that was given only the socket), the ctr CLI against the
// socket: namespaces, tasks, and `containers info` per running task (its
// Labels merged over the spec's annotations), each run bounded by the
// remaining time, four at a time.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "targets/container_source.h"
#include "targets/docker.h"

namespace bpfwatch {

struct ContainerdEndpoint {
	std::string socket;    // containerd's gRPC socket (for ctr)
	std::string state_dir; // its "state" directory; "" = next to the socket
};

// Tried in this order, each that is present:
//   /run/containerd/containerd.sock          state /run/containerd
//   /run/k3s/containerd/containerd.sock      state /run/k3s/containerd
//   /var/run/docker/containerd/containerd.sock  state /var/run/docker/containerd/daemon
//     (the containerd dockerd starts: namespaces moby and, for ctr, k8s.io)
std::vector<ContainerdEndpoint> default_containerd_endpoints();

// Where the task bundles may be: <state_dir>/io.containerd.runtime.v2.task,
// or without a state_dir, next to the socket and in its daemon/ subdir.
std::vector<std::string> containerd_task_dirs(const ContainerdEndpoint &ep);

// What bpfwatch reads of an OCI runtime spec (a bundle's config.json, or
// the "Spec" of `ctr containers info`). Throws RuntimeError(malformed).
struct OciSpec {
	Labels annotations;
	std::string cgroups_path; // linux.cgroupsPath as written
};
OciSpec parse_oci_spec(std::string_view json);

// linux.cgroupsPath as a path under the v2 root: "/k8s.io/<id>" stays, the
// systemd form "slice:prefix:name" becomes
// "/a.slice/a-b.slice/<slice>/<prefix>-<name>.scope" as systemd nests it.
// "" when empty.
std::string cgroup_path_from_oci(std::string_view cgroups_path);

// `ctr namespaces ls -q`: one name a line.
std::vector<std::string> parse_ctr_namespaces(std::string_view text);

// `ctr tasks ls`: the "TASK PID STATUS" table.
struct CtrTask {
	std::string id;
	pid_t pid = 0;
	std::string status; // "RUNNING", "STOPPED", "PAUSED", "CREATED"
};
std::vector<CtrTask> parse_ctr_tasks(std::string_view text);

// `ctr containers info ID`: its Labels and Spec.
struct CtrContainerInfo {
	std::string id;
	std::string image;
	Labels labels;
	OciSpec spec;
};
CtrContainerInfo parse_ctr_container_info(std::string_view json);

// A listed containerd container from what was read. Labels become the
// orchestration; state is "running" or "stopped".
ContainerSummary containerd_summary(const std::string &ns, const std::string &id, Labels labels,
				    pid_t pid, const std::string &state, const std::string &image = "");

class ContainerdSource : public ContainerSource {
public:
	// `proc_root`: where the host's /proc is, to tell live tasks from
	// exited ones; `ctr_program` for the fallback.
	explicit ContainerdSource(ContainerdEndpoint ep, std::string ctr_program = "ctr",
				  std::string proc_root = "/proc", DockerTimeouts timeouts = {});

	const std::string &runtime() const override { return runtime_; }
	const ContainerdEndpoint &endpoint() const { return ep_; }
	// How the last list was made: "state" (bundles) or "ctr"; "" before.
	const std::string &method() const { return method_; }

	// Running tasks. Sandboxes (pause containers) are listed, flagged
	// (orchestration.sandbox): selectors and listings skip them, and their
	// cgroups are then known for what they are. Throws
	// RuntimeError(missing) when neither bundles nor socket are there.
	std::vector<ContainerSummary> list_running() override;
	// By id, in any namespace; a task whose process is gone is "stopped".
	std::optional<ContainerDetails> inspect(const std::string &id_or_name) override;

private:
	std::vector<ContainerSummary> list_state(const std::string &task_dir);
	std::vector<ContainerSummary> list_ctr();

	ContainerdEndpoint ep_;
	std::string ctr_;
	std::string proc_root_;
	DockerTimeouts timeouts_;
	std::string runtime_ = "containerd";
	std::string method_;
	std::vector<ContainerSummary> all_; // the last list, stopped tasks included
};

} // namespace bpfwatch

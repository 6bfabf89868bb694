// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// CRI-O, through its inspect API: plain HTTP on its unix socket
// (/var/run/crio/crio.sock), the same socket as its CRI gRPC service.
//   GET /info             {"storage_driver", "storage_root", "cgroup_driver", ...}
//   GET /containers/{id}  {"name", "pid", "image", "labels", "annotations",
//                          "crio_annotations", "sandbox", "log_path", ...}
// (cri-o server/inspect.go, pkg/types/types.go; cadvisor's
// container/crio/client.go reads the same). The API has no list, and no
// cgroup in its answer: containers are found the way cadvisor finds them,
// from the cgroup tree (crio-<id>.scope, or crio-<id> with the cgroupfs
// manager), then asked for one by one; the cgroup comes from the pid.
// CRI-O is not packaged for Debian 12: parsers are tested on its
// documented shapes, the client on a fake server.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "targets/container_source.h"
#include "targets/docker.h"

namespace bpfwatch {

struct CrioInfo {
	std::string storage_driver; // a string before CRI-O 1.23, a list since: the first
	std::string storage_root;
	std::string cgroup_driver;  // "systemd" or "cgroupfs"; "" before CRI-O 1.9
};
CrioInfo parse_crio_info(std::string_view json);

// One container's answer. Kubernetes names come from its labels (the
// kubelet's io.kubernetes.*); a pod's infra container (its id is the
// sandbox id, or crio_annotations say ContainerType sandbox) is a sandbox.
// Throws RuntimeError(malformed).
ContainerSummary parse_crio_container(std::string_view json, const std::string &id);

class CrioClient : public ContainerSource {
public:
	// `cgroup_root`: the v2 mount to look for containers in ("" = detect).
	explicit CrioClient(std::string socket_path = "/var/run/crio/crio.sock",
			    std::string cgroup_root = "", DockerTimeouts timeouts = {});

	const std::string &runtime() const override { return runtime_; }
	const std::string &socket_path() const { return socket_; }

	// /info first (is it CRI-O, does it answer), then each crio-<id>
	// cgroup's container; all within timeouts.total. Ids CRI-O does not
	// know (404: exited meanwhile) are left out; sandboxes are listed,
	// flagged (orchestration.sandbox), for selectors and listings to skip.
	std::vector<ContainerSummary> list_running() override;
	// nullopt on 404.
	std::optional<ContainerDetails> inspect(const std::string &id) override;

private:
	std::optional<ContainerSummary> get_container(const std::string &id, std::chrono::milliseconds budget);

	std::string socket_;
	std::string cgroup_root_;
	DockerTimeouts timeouts_;
	std::string runtime_ = "cri-o";
};

} // namespace bpfwatch

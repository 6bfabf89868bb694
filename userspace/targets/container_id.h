// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Which container a cgroup belongs to, judged from its path alone: every
// runtime names the container's cgroup after the container id, in one of a
// few well-known shapes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bpfwatch {

struct ContainerRef {
	std::string runtime; // a guess from the path: "docker", "podman", "containerd", "crio", "cri"
	std::string id;      // the full 64-hex container id
};

// The innermost container in a v2 cgroup path, if any:
//   /docker/<id>                          docker, cgroupfs driver
//   /system.slice/docker-<id>.scope       docker, systemd driver
//   /machine.slice/libpod-<id>.scope[/container], /libpod_parent/libpod-<id>
//                                         podman
//   .../cri-containerd-<id>.scope         containerd (CRI, systemd)
//   .../crio-<id>.scope, .../crio-<id>     CRI-O (systemd, cgroupfs)
//   /k8s.io/<id>                          containerd, cgroupfs
//   /kubepods/<qos>/pod<uid>/<id>         kubelet, cgroupfs driver ("cri")
// Runtime monitors (libpod-conmon-*, crio-conmon-*) are not containers.
std::optional<ContainerRef> container_from_cgroup_path(std::string_view path);

// True for a full container id: 64 lowercase hex digits.
bool is_container_id(std::string_view s);

} // namespace bpfwatch

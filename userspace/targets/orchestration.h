// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Which pod or task a container belongs to, from the labels its
// orchestrator put on it, and the name bpfwatch shows for it. Pure
// functions: every runtime's list goes through them, and fixtures test them.
#pragma once

#include <string>
#include <string_view>

#include "targets/container_source.h"
#include "targets/target.h"

namespace bpfwatch {

// Kubernetes, read from (first match wins):
//   io.kubernetes.pod.name / .pod.namespace / .container.name
//     the kubelet's CRI labels: containerd's and CRI-O's container labels,
//     Docker labels under cri-dockerd, and what `ctr run --label` sets;
//   io.kubernetes.cri.sandbox-name / .sandbox-namespace / .container-name
//     the OCI annotations containerd's CRI plugin writes into config.json.
// Sandboxes (pause containers): io.kubernetes.cri.container-type=sandbox,
// io.kubernetes.cri-o.ContainerType=sandbox, io.kubernetes.docker.type=
// podsandbox, or the kubelet's infra name "POD".
// ECS, from the labels the ECS agent sets on its Docker containers:
//   com.amazonaws.ecs.container-name, .task-arn, .cluster; the agent's own
//   "~internal~ecs~pause" container (awsvpc tasks) counts as a sandbox.
Orchestration orchestration_from_labels(const Labels &labels);

// The task's id from its ARN: "arn:aws:ecs:us-west-2:1111:task/default/8f03e4"
// and the older ".../task/8f03e4" both give "8f03e4"; anything else is
// returned unchanged.
std::string ecs_task_id(std::string_view task_arn);

// The name to show for a listed container, and where it came from: the
// Kubernetes or ECS container name ("kubernetes labels", "ecs labels"),
// else the runtime's own name (source: the runtime; a 64-hex id is cut to
// 12 characters), else the short id ("cgroup path" when no runtime listed it).
std::string display_name(const ContainerSummary &c);
std::string name_source(const ContainerSummary &c);

// Everything a Target says about the container besides its cgroup: name,
// runtime, id, pid, state, labels, pod, task, ...
void describe_target(Target &t, const ContainerSummary &c);

} // namespace bpfwatch

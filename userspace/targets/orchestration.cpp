// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/orchestration.h"

#include "targets/container_id.h"

namespace bpfwatch {
namespace {

std::string get(const Labels &labels, const char *key)
{
	auto it = labels.find(key);
	return it == labels.end() ? "" : it->second;
}

bool is(const Labels &labels, const char *key, std::string_view value)
{
	auto it = labels.find(key);
	return it != labels.end() && it->second == value;
}

} // namespace

Orchestration orchestration_from_labels(const Labels &labels)
{
	Orchestration o;
	o.pod = get(labels, "io.kubernetes.pod.name");
	o.pod_namespace = get(labels, "io.kubernetes.pod.namespace");
	o.container_name = get(labels, "io.kubernetes.container.name");
	if (o.pod.empty()) {
		o.pod = get(labels, "io.kubernetes.cri.sandbox-name");
		o.pod_namespace = get(labels, "io.kubernetes.cri.sandbox-namespace");
		o.container_name = get(labels, "io.kubernetes.cri.container-name");
	}
	if (!o.pod.empty()) {
		o.kind = "kubernetes";
		o.sandbox = is(labels, "io.kubernetes.cri.container-type", "sandbox") ||
			    is(labels, "io.kubernetes.cri-o.ContainerType", "sandbox") ||
			    is(labels, "io.kubernetes.docker.type", "podsandbox") || o.container_name == "POD";
		return o;
	}
	o = Orchestration{};
	o.container_name = get(labels, "com.amazonaws.ecs.container-name");
	o.task = get(labels, "com.amazonaws.ecs.task-arn");
	if (o.container_name.empty() && o.task.empty())
		return Orchestration{};
	o.kind = "ecs";
	o.sandbox = o.container_name.rfind("~internal~ecs", 0) == 0;
	return o;
}

std::string ecs_task_id(std::string_view arn)
{
	std::size_t task = arn.find(":task/");
	if (arn.rfind("arn:", 0) != 0 || task == std::string_view::npos)
		return std::string(arn);
	std::size_t slash = arn.rfind('/');
	return std::string(arn.substr(slash + 1));
}

std::string display_name(const ContainerSummary &c)
{
	const Orchestration &o = c.orchestration;
	if (!o.kind.empty() && !o.sandbox && !o.container_name.empty())
		return o.container_name;
	if (!c.names.empty() && !c.names.front().empty())
		return c.names.front();
	return is_container_id(c.id) ? c.id.substr(0, 12) : c.id;
}

std::string name_source(const ContainerSummary &c)
{
	const Orchestration &o = c.orchestration;
	if (!o.kind.empty() && !o.sandbox && !o.container_name.empty())
		return o.kind == "ecs" ? "ecs labels" : "kubernetes labels";
	return c.runtime.empty() ? "cgroup path" : c.runtime;
}

void describe_target(Target &t, const ContainerSummary &c)
{
	t.name = display_name(c);
	t.name_source = name_source(c);
	if (!c.runtime.empty())
		t.runtime = c.runtime;
	t.container_id = c.id;
	if (c.pid > 0)
		t.pid = c.pid;
	t.runtime_name = c.names.empty() ? c.id : c.names.front();
	t.runtime_namespace = c.runtime_namespace;
	t.state = c.state;
	t.labels = c.labels;
	t.pod = c.orchestration.pod;
	t.pod_namespace = c.orchestration.pod_namespace;
	t.task = c.orchestration.task;
	t.container_name = c.orchestration.container_name;
}

} // namespace bpfwatch

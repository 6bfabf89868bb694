// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/selector.h"

#include <set>

#include "targets/orchestration.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

std::string join(const std::vector<std::string> &parts, const std::string &sep)
{
	std::string out;
	for (const auto &p : parts)
		out += (out.empty() ? "" : sep) + p;
	return out;
}

std::vector<std::string> split(const std::string &s, char sep)
{
	std::vector<std::string> out;
	std::size_t start = 0;
	for (;;) {
		std::size_t end = s.find(sep, start);
		out.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
		if (end == std::string::npos)
			return out;
		start = end + 1;
	}
}

bool is_pod_member(const ContainerSummary &c)
{
	return c.orchestration.kind == "kubernetes" && !c.orchestration.sandbox;
}

std::string pod_of(const ContainerSummary &c)
{
	return c.orchestration.pod_namespace + "/" + c.orchestration.pod;
}

std::string short_id(const std::string &id)
{
	return id.size() > 12 ? id.substr(0, 12) : id;
}

// At most this many names in a "running: ..." list: a host with 500
// containers must still get a one-line error.
constexpr std::size_t kMaxListed = 20;

std::string listed(std::vector<std::string> names, const std::string &none)
{
	if (names.empty())
		return none;
	std::size_t more = names.size() > kMaxListed ? names.size() - kMaxListed : 0;
	names.resize(names.size() - more);
	return join(names, ", ") + (more ? ", and " + std::to_string(more) + " more" : "");
}

} // namespace

std::string Selector::describe() const
{
	switch (kind) {
	case Kind::container:
		return "container '" + container + "'";
	case Kind::pod:
		return "pod " + pod_namespace + "/" + pod + (container.empty() ? "" : " container " + container);
	case Kind::labels:
		break;
	}
	std::vector<std::string> pairs;
	for (const auto &[k, v] : labels)
		pairs.push_back(k + "=" + v);
	return "labels " + join(pairs, ",");
}

Selector container_selector(const std::string &query)
{
	Selector s;
	s.kind = Selector::Kind::container;
	s.text = query;
	s.container = query;
	if (!s.container.empty() && s.container.front() == '/')
		s.container.erase(0, 1); // "/web", as the Docker API spells names
	if (s.container.empty())
		throw Error("--container: empty container name");
	return s;
}

Selector pod_selector(const std::string &text)
{
	auto parts = split(text, '/');
	bool empty_part = false;
	for (const auto &p : parts)
		empty_part |= p.empty();
	if (parts.size() < 2 || parts.size() > 3 || empty_part)
		throw Error("--pod '" + text + "': expected NAMESPACE/POD or NAMESPACE/POD/CONTAINER");
	Selector s;
	s.kind = Selector::Kind::pod;
	s.text = text;
	s.pod_namespace = parts[0];
	s.pod = parts[1];
	if (parts.size() == 3)
		s.container = parts[2];
	return s;
}

Selector label_selector(const std::vector<std::string> &pairs)
{
	Selector s;
	s.kind = Selector::Kind::labels;
	s.text = join(pairs, ",");
	for (const auto &p : pairs) {
		std::size_t eq = p.find('=');
		if (eq == std::string::npos || eq == 0)
			throw Error("--label '" + p + "': expected KEY=VALUE");
		s.labels.emplace_back(p.substr(0, eq), p.substr(eq + 1));
	}
	if (s.labels.empty())
		throw Error("--label: no KEY=VALUE given");
	return s;
}

std::string describe_candidate(const ContainerSummary &c)
{
	std::string where = c.runtime.empty() ? "" : c.runtime;
	const Orchestration &o = c.orchestration;
	if (o.kind == "kubernetes")
		where += (where.empty() ? "" : ", ") + std::string("pod ") + pod_of(c);
	else if (o.kind == "ecs")
		where += (where.empty() ? "" : ", ") + std::string("task ") + ecs_task_id(o.task);
	else if (!c.runtime_namespace.empty())
		where += (where.empty() ? "" : ", ") + std::string("namespace ") + c.runtime_namespace;
	std::string name = display_name(c);
	if (name != short_id(c.id) && name != c.id && o.kind.empty())
		name += " " + short_id(c.id);
	return where.empty() ? name : name + " (" + where + ")";
}

std::vector<const ContainerSummary *> match_selector(const Selector &sel,
						     const std::vector<ContainerSummary> &running)
{
	std::vector<const ContainerSummary *> out;
	switch (sel.kind) {
	case Selector::Kind::container: {
		const std::string &q = sel.container;
		for (const auto &c : running)
			if (c.id == q)
				return {&c};
		for (const auto &c : running)
			for (const auto &n : c.names)
				if (n == q)
					return {&c};
		for (const auto &c : running)
			if (!c.orchestration.kind.empty() && !c.orchestration.sandbox &&
			    c.orchestration.container_name == q)
				out.push_back(&c);
		if (out.size() > 1) {
			std::vector<std::string> which;
			bool pods = false;
			for (const auto *c : out) {
				which.push_back(describe_candidate(*c));
				pods |= c->orchestration.kind == "kubernetes";
			}
			throw Error("container name '" + q + "' is ambiguous: " + join(which, ", ") + "; name one by " +
				    (pods ? "--pod NAMESPACE/POD/CONTAINER" : "--label com.amazonaws.ecs.task-arn=ARN") +
				    " or by id");
		}
		if (out.empty())
			for (const auto &c : running)
				if (c.id.compare(0, q.size(), q) == 0)
					out.push_back(&c);
		if (out.size() > 1) {
			std::vector<std::string> which;
			for (const auto *c : out)
				which.push_back(short_id(c->id) + " (" + display_name(*c) + ")");
			throw Error("container id prefix '" + q + "' is ambiguous: " + join(which, ", "));
		}
		return out;
	}
	case Selector::Kind::pod:
		for (const auto &c : running)
			if (is_pod_member(c) && c.orchestration.pod_namespace == sel.pod_namespace &&
			    c.orchestration.pod == sel.pod &&
			    (sel.container.empty() || c.orchestration.container_name == sel.container))
				out.push_back(&c);
		return out;
	case Selector::Kind::labels:
		for (const auto &c : running) {
			if (c.orchestration.sandbox)
				continue;
			bool all = true;
			for (const auto &[k, v] : sel.labels) {
				auto it = c.labels.find(k);
				all = all && it != c.labels.end() && it->second == v;
			}
			if (all)
				out.push_back(&c);
		}
		return out;
	}
	return out;
}

std::string no_match_message(const Selector &sel, const std::vector<ContainerSummary> &running)
{
	switch (sel.kind) {
	case Selector::Kind::container: {
		std::vector<std::string> names;
		for (const auto &c : running)
			if (!c.orchestration.sandbox)
				names.push_back(display_name(c));
		return "no running container named '" + sel.container + "' (" +
		       (names.empty() ? "no containers are running" : "running: " + listed(names, "")) + ")";
	}
	case Selector::Kind::pod: {
		std::set<std::string> pods;
		std::vector<std::string> in_pod;
		for (const auto &c : running) {
			if (!is_pod_member(c))
				continue;
			pods.insert(pod_of(c));
			if (c.orchestration.pod_namespace == sel.pod_namespace && c.orchestration.pod == sel.pod)
				in_pod.push_back(c.orchestration.container_name);
		}
		if (!in_pod.empty())
			return "no container '" + sel.container + "' in pod " + sel.pod_namespace + "/" + sel.pod +
			       " (containers: " + listed(in_pod, "") + ")";
		return "no running pod " + sel.pod_namespace + "/" + sel.pod + " (" +
		       (pods.empty() ? "no pods are running"
				     : "pods: " + listed({pods.begin(), pods.end()}, "")) +
		       ")";
	}
	case Selector::Kind::labels:
		break;
	}
	std::size_t n = 0;
	for (const auto &c : running)
		n += c.orchestration.sandbox ? 0 : 1;
	return "no running container has " + sel.describe() + " (" +
	       (n ? std::to_string(n) + " running" : std::string("no containers are running")) + ")";
}

} // namespace bpfwatch

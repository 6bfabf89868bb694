// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/resolver.h"

#include <algorithm>
#include <unordered_set>

#include "targets/cgroup.h"
#include "targets/container_id.h"
#include "targets/docker.h"
#include "targets/orchestration.h"
#include "targets/runtimes.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

// The pieces every target shares: a v2 path made absolute and stat'ed.
Target cgroup_target(const std::string &root, const std::string &rel)
{
	Target t;
	t.cgroup_path = rel;
	t.cgroup_id = cgroup_id_of_dir(join_cgroup_path(root, rel));
	if (auto ref = container_from_cgroup_path(rel))
		t.container_id = ref->id;
	return t;
}

// Every listed container knows who listed it, for messages and Targets.
std::vector<ContainerSummary> list_for_selectors(ContainerSource &source)
{
	auto running = source.list_running();
	for (auto &c : running)
		if (c.runtime.empty())
			c.runtime = source.runtime_of(c.id);
	return running;
}

// Maybe it exists but is stopped: say so rather than "unknown".
[[noreturn]] void throw_no_match(const Selector &sel, const std::vector<ContainerSummary> &running,
				 ContainerSource &source)
{
	if (sel.kind == Selector::Kind::container) {
		auto details = source.inspect(sel.container);
		if (details && !details->running)
			throw Error("container '" + sel.container + "' is not running (" +
				    (details->status.empty() ? "stopped" : details->status) + ")");
	}
	// A runtime that could not be asked may be the one that has it.
	std::string partial = source.partial_failure();
	throw Error(no_match_message(sel, running) + (partial.empty() ? "" : "; " + partial));
}

} // namespace

Target resolve_listed(const ContainerSummary &listed, ContainerSource &source, const std::string &root,
		      const std::string &proc_root)
{
	ContainerSummary c = listed;
	if (c.runtime.empty())
		c.runtime = source.runtime_of(c.id);
	const std::string what = c.runtime + " container '" + display_name(c) + "'";
	auto details = source.inspect(c.id);
	if (!details || !details->running || details->pid <= 0)
		throw Error(what + " stopped while resolving it");

	std::string rel;
	try {
		rel = cgroup_path_of_pid(details->pid, proc_root);
	} catch (const Error &e) {
		throw Error(what + ": " + e.what());
	}
	Target t = cgroup_target(root, rel);
	// Inspect has the freshest name; the list has the pod and the labels.
	if (!details->name.empty() && (c.names.empty() || c.names.front() != details->name))
		c.names.insert(c.names.begin(), details->name);
	describe_target(t, c);
	t.container_id = details->id.empty() ? c.id : details->id;
	t.pid = details->pid;
	if (t.state.empty())
		t.state = details->status;
	return t;
}

namespace {

Target resolve_cgroup(const std::string &path, const std::string &root)
{
	std::string rel = relative_cgroup_path(root, path);
	Target t;
	try {
		t = cgroup_target(root, rel);
	} catch (const Error &e) {
		throw Error("no cgroup '" + path + "' under " + root + " (" + e.what() + ")");
	}
	t.name = rel;
	t.runtime = "cgroup";
	t.query = rel;
	return t;
}

Target resolve_pid(pid_t pid, const std::string &root, const std::string &proc_root)
{
	if (pid <= 0)
		throw Error("--pid " + std::to_string(pid) + ": not a process id");
	std::string rel = cgroup_path_of_pid(pid, proc_root);
	Target t;
	try {
		t = cgroup_target(root, rel);
	} catch (const Error &e) {
		throw Error("cgroup of pid " + std::to_string(pid) + " not found under " + root +
			    " (" + e.what() + ")");
	}
	t.name = rel;
	t.runtime = "pid";
	t.pid = pid;
	return t;
}

} // namespace

std::string follow_query(const Selector &sel, const Target &t, std::size_t selected)
{
	if (sel.kind == Selector::Kind::container)
		return sel.container;
	// A pod's container comes back with a new id and the same names.
	if (!t.pod.empty())
		return "pod:" + t.pod_namespace + "/" + t.pod + "/" + t.container_name;
	if (sel.kind == Selector::Kind::labels && selected == 1)
		return "label:" + sel.text;
	return t.runtime_name.empty() ? t.name : t.runtime_name;
}

namespace {

Selector selector_of_query(const std::string &query)
{
	if (query.rfind("pod:", 0) == 0)
		return pod_selector(query.substr(4));
	if (query.rfind("label:", 0) == 0) {
		std::vector<std::string> pairs;
		std::size_t start = 6;
		for (std::size_t comma; (comma = query.find(',', start)) != std::string::npos; start = comma + 1)
			pairs.push_back(query.substr(start, comma - start));
		pairs.push_back(query.substr(start));
		return label_selector(pairs);
	}
	return container_selector(query);
}

// The one of `hits` that is the followed container's next life: its
// previous id if still there, else the only one.
const ContainerSummary *next_life(const std::vector<const ContainerSummary *> &hits, const Target &last,
				  const Selector &sel)
{
	for (const ContainerSummary *c : hits)
		if (c->id == last.container_id)
			return c;
	if (hits.size() == 1)
		return hits.front();
	std::string which;
	for (const ContainerSummary *c : hits)
		which += (which.empty() ? "" : ", ") + describe_candidate(*c);
	throw Error(sel.describe() + " now selects " + std::to_string(hits.size()) + " containers (" + which +
		    "): which one is " + last.name + " is not known");
}

} // namespace

ContainerLookup look_up_container(const Target &last, ContainerSource &source, const std::string &root,
				  const std::string &proc_root)
{
	const std::string &query = last.query;
	Selector sel = selector_of_query(query);
	ContainerLookup out;
	if (sel.kind == Selector::Kind::container) {
		// The runtime's own name or id: the runtime knows a stopped
		// container too, and a re-created one's id before it starts.
		if (auto details = source.inspect(query)) {
			out.id = details->id;
			out.state = ContainerLookup::State::stopped;
			if (!details->running || details->pid <= 0)
				return out;
		}
	}
	// Running: the selector on the list finds it by any name (Kubernetes,
	// ECS), pod or labels, whichever runtime runs it.
	auto running = list_for_selectors(source);
	auto hits = match_selector(sel, running);
	// A container selected by its runtime name comes back under that name,
	// not as some pod's or task's container of the same name.
	bool by_label_name = last.name_source == "kubernetes labels" || last.name_source == "ecs labels";
	if (sel.kind == Selector::Kind::container && !by_label_name)
		std::erase_if(hits, [&](const ContainerSummary *c) {
			return c->id.compare(0, query.size(), query) != 0 &&
			       std::find(c->names.begin(), c->names.end(), query) == c->names.end();
		});
	if (!hits.empty()) {
		const ContainerSummary &next = *next_life(hits, last, sel);
		try {
			out.target = resolve_listed(next, source, root, proc_root);
			out.target.query = query;
			out.state = ContainerLookup::State::running;
			out.id = out.target.container_id;
			return out;
		} catch (const Error &) {
			// It stopped while being resolved.
		}
	}
	// Not running: stopped if the runtime still knows its last life.
	if (out.state == ContainerLookup::State::absent && !last.container_id.empty())
		if (auto details = source.inspect(last.container_id)) {
			out.id = details->id;
			out.state = ContainerLookup::State::stopped;
		}
	return out;
}

const ContainerSummary *find_container(const std::vector<ContainerSummary> &running,
				       const std::string &query)
{
	auto hits = match_selector(container_selector(query), running);
	return hits.empty() ? nullptr : hits.front();
}

std::vector<Selector> selectors_of(const ResolveOptions &opts)
{
	std::vector<Selector> out;
	for (const auto &c : opts.containers)
		out.push_back(container_selector(c));
	for (const auto &p : opts.pods)
		out.push_back(pod_selector(p));
	if (!opts.labels.empty())
		out.push_back(label_selector(opts.labels));
	return out;
}

std::string cgroup_root_or_detect(const std::string &cgroup_root)
{
	return cgroup_root.empty() ? detect_cgroup2_root() : cgroup_root;
}

std::vector<Target> resolve_targets(const ResolveOptions &opts, ContainerSource *source)
{
	std::string root = cgroup_root_or_detect(opts.cgroup_root);
	std::vector<Target> out;
	std::unordered_set<std::uint64_t> seen;
	auto add = [&](Target t) {
		// Two names for one cgroup would count its bytes twice.
		if (seen.insert(t.cgroup_id).second)
			out.push_back(std::move(t));
	};

	std::vector<Selector> selectors = selectors_of(opts);
	if (!selectors.empty() && !source)
		throw Error("--container needs a container runtime, and none is configured");
	std::vector<ContainerSummary> running;
	if (!selectors.empty())
		running = list_for_selectors(*source);
	for (const Selector &sel : selectors) {
		auto hits = match_selector(sel, running);
		if (hits.empty())
			throw_no_match(sel, running, *source);
		for (const ContainerSummary *c : hits) {
			Target t = resolve_listed(*c, *source, root, opts.proc_root);
			t.query = follow_query(sel, t, hits.size());
			add(std::move(t));
		}
	}
	for (const auto &p : opts.cgroups)
		add(resolve_cgroup(p, root));
	for (pid_t pid : opts.pids)
		add(resolve_pid(pid, root, opts.proc_root));
	return out;
}

std::vector<Target> resolve_targets(const ResolveOptions &opts)
{
	std::unique_ptr<ContainerSource> source;
	if (!opts.containers.empty() || !opts.pods.empty() || !opts.labels.empty())
		source = make_container_source(opts);
	return resolve_targets(opts, source.get());
}

} // namespace bpfwatch

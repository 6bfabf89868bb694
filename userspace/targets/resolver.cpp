// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/resolver.h"

#include <unordered_set>

#include "targets/cgroup.h"
#include "targets/container_id.h"
#include "targets/docker.h"
#include "targets/runtimes.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

std::string primary_name(const ContainerSummary &c)
{
	return c.names.empty() ? c.id.substr(0, 12) : c.names.front();
}

std::string list_names(const std::vector<ContainerSummary> &running)
{
	if (running.empty())
		return "no containers are running";
	std::string out = "running: ";
	for (std::size_t i = 0; i < running.size(); i++) {
		if (i)
			out += ", ";
		out += primary_name(running[i]);
	}
	return out;
}

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

Target resolve_container(const std::string &query, ContainerSource &source,
			 const std::string &root, const std::string &proc_root)
{
	std::string want = query;
	if (!want.empty() && want.front() == '/')
		want.erase(0, 1); // "/web", as the API spells names
	if (want.empty())
		throw Error("--container: empty container name");

	auto running = source.list_running();
	const ContainerSummary *hit = find_container(running, want);
	if (!hit) {
		// Maybe it exists but is stopped: say so rather than "unknown".
		auto details = source.inspect(want);
		if (details && !details->running)
			throw Error("container '" + want + "' is not running (" +
				    (details->status.empty() ? "stopped" : details->status) + ")");
		// A runtime that could not be asked may be the one that has it.
		std::string partial = source.partial_failure();
		throw Error("no running container named '" + want + "' (" + list_names(running) + ")" +
			    (partial.empty() ? "" : "; " + partial));
	}

	const std::string runtime = source.runtime_of(hit->id);
	auto details = source.inspect(hit->id);
	if (!details || !details->running || details->pid <= 0)
		throw Error(runtime + " container '" + want + "' stopped while resolving it");

	std::string rel;
	try {
		rel = cgroup_path_of_pid(details->pid, proc_root);
	} catch (const Error &e) {
		throw Error(runtime + " container '" + want + "': " + e.what());
	}
	Target t = cgroup_target(root, rel);
	t.name = details->name.empty() ? primary_name(*hit) : details->name;
	t.runtime = runtime;
	t.container_id = details->id;
	t.pid = details->pid;
	t.query = want;
	return t;
}

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

ContainerLookup look_up_container(const std::string &query, ContainerSource &source, const std::string &root,
				  const std::string &proc_root)
{
	ContainerLookup out;
	auto details = source.inspect(query);
	if (!details)
		return out;
	out.id = details->id;
	if (!details->running || details->pid <= 0) {
		out.state = ContainerLookup::State::stopped;
		return out;
	}
	try {
		out.target = resolve_container(query, source, root, proc_root);
		out.state = ContainerLookup::State::running;
		out.id = out.target.container_id;
	} catch (const Error &) {
		// It stopped again between the two questions.
		out.state = ContainerLookup::State::stopped;
	}
	return out;
}

const ContainerSummary *find_container(const std::vector<ContainerSummary> &running,
				       const std::string &query)
{
	for (const auto &c : running)
		if (c.id == query)
			return &c;
	for (const auto &c : running)
		for (const auto &n : c.names)
			if (n == query)
				return &c;

	std::vector<const ContainerSummary *> prefixed;
	for (const auto &c : running)
		if (c.id.compare(0, query.size(), query) == 0)
			prefixed.push_back(&c);
	if (prefixed.size() > 1) {
		std::string which;
		for (const auto *c : prefixed)
			which += (which.empty() ? "" : ", ") + c->id.substr(0, 12) + " (" +
				 primary_name(*c) + ")";
		throw Error("container id prefix '" + query + "' is ambiguous: " + which);
	}
	return prefixed.empty() ? nullptr : prefixed.front();
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

	if (!opts.containers.empty() && !source)
		throw Error("--container needs a container runtime, and none is configured");
	for (const auto &c : opts.containers)
		add(resolve_container(c, *source, root, opts.proc_root));
	for (const auto &p : opts.cgroups)
		add(resolve_cgroup(p, root));
	for (pid_t pid : opts.pids)
		add(resolve_pid(pid, root, opts.proc_root));
	return out;
}

std::vector<Target> resolve_targets(const ResolveOptions &opts)
{
	std::unique_ptr<ContainerSource> source;
	if (!opts.containers.empty())
		source = make_container_source(opts);
	return resolve_targets(opts, source.get());
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/runtimes.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <future>
#include <set>

#include "targets/containerd.h"
#include "targets/crio.h"
#include "targets/podman_cli.h"
#include "util/command.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

bool exists(const std::string &path)
{
	struct stat st {};
	return stat(path.c_str(), &st) == 0;
}

std::string join(const std::vector<std::string> &parts, const std::string &sep)
{
	std::string out;
	for (const auto &p : parts)
		out += (out.empty() ? "" : sep) + p;
	return out;
}

std::string real(const std::string &path)
{
	char buf[PATH_MAX];
	return realpath(path.c_str(), buf) ? std::string(buf) : path;
}

// Podman's socket if it runs, else its CLI, else (absent) its socket.
RuntimeCandidate podman_candidate(const ResolveOptions &opts, DockerTimeouts timeouts)
{
	if (exists(opts.podman_socket))
		return {"podman", opts.podman_socket, true,
			std::make_unique<DockerClient>(opts.podman_socket, "podman", timeouts)};
	std::string cli = find_program(opts.podman_program);
	if (!cli.empty())
		return {"podman", cli, true, std::make_unique<PodmanCli>(cli, timeouts)};
	return {"podman", opts.podman_socket, false,
		std::make_unique<DockerClient>(opts.podman_socket, "podman", timeouts)};
}

void add_containerd(std::vector<RuntimeCandidate> &out, const ResolveOptions &opts, DockerTimeouts timeouts)
{
	// /run and /var/run are one directory on most hosts.
	std::set<std::string> seen;
	for (const ContainerdEndpoint &ep : opts.containerd) {
		std::string where;
		for (const std::string &d : containerd_task_dirs(ep))
			if (where.empty() && exists(d))
				where = real(d);
		bool present = !where.empty() || exists(ep.socket);
		if (where.empty())
			where = real(ep.socket);
		if (!seen.insert(where).second)
			continue;
		out.push_back({"containerd", ep.socket, present,
			       std::make_unique<ContainerdSource>(ep, opts.ctr_program, opts.proc_root, timeouts)});
	}
}

} // namespace

std::vector<RuntimeCandidate> runtime_candidates(const ResolveOptions &opts, DockerTimeouts timeouts)
{
	const std::string &r = opts.runtime;
	if (r != "auto" && r != "docker" && r != "podman" && r != "containerd" && r != "cri-o")
		throw Error("unknown container runtime '" + r + "' (auto, docker, podman, containerd or cri-o)");
	std::vector<RuntimeCandidate> out;
	if (r == "auto" || r == "docker")
		out.push_back({"docker", opts.docker_socket, exists(opts.docker_socket),
			       std::make_unique<DockerClient>(opts.docker_socket, "docker", timeouts)});
	if (r == "auto" || r == "podman")
		out.push_back(podman_candidate(opts, timeouts));
	if (r == "auto" || r == "containerd")
		add_containerd(out, opts, timeouts);
	if (r == "auto" || r == "cri-o")
		out.push_back({"cri-o", opts.crio_socket, exists(opts.crio_socket),
			       std::make_unique<CrioClient>(opts.crio_socket, opts.cgroup_root, timeouts)});
	return out;
}

std::unique_ptr<ContainerSource> make_container_source(const ResolveOptions &opts, DockerTimeouts timeouts)
{
	const std::string escape = "; use --cgroup or --pid instead";
	auto candidates = runtime_candidates(opts, timeouts);
	// One runtime asked by name keeps its own errors word for word.
	if (opts.runtime == "docker" || opts.runtime == "cri-o")
		return std::move(candidates.front().source);

	std::vector<std::unique_ptr<ContainerSource>> found;
	std::vector<std::string> absent;
	for (auto &c : candidates) {
		if (c.present)
			found.push_back(std::move(c.source));
		else if (c.runtime == "docker")
			absent.push_back("no Docker socket at " + c.endpoint);
		else if (c.runtime == "podman")
			absent.push_back("no Podman socket at " + c.endpoint + ", no " + opts.podman_program +
					 " on PATH");
		else if (c.runtime == "containerd")
			absent.push_back("no containerd at " + c.endpoint);
		else
			absent.push_back("no CRI-O socket at " + c.endpoint);
	}
	if (found.size() == 1)
		return std::move(found.front());
	std::string none;
	if (opts.runtime == "podman")
		none = "podman socket " + opts.podman_socket + " not found and no " + opts.podman_program +
		       " on PATH; is the podman service running (podman system service)?" + escape;
	else if (opts.runtime == "containerd")
		none = "no containerd found: " + join(absent, ", ") + escape;
	else
		none = "no container runtime found: " + join(absent, ", ") + escape;
	return std::make_unique<AnyRuntime>(std::move(found), none);
}

AnyRuntime::AnyRuntime(std::vector<std::unique_ptr<ContainerSource>> sources, std::string none)
	: sources_(std::move(sources)), none_(std::move(none))
{
	std::vector<std::string> names;
	for (const auto &s : sources_)
		if (names.empty() || names.back() != s->runtime())
			names.push_back(s->runtime());
	label_ = names.empty() ? "none" : join(names, "+");
}

std::vector<ContainerSummary> AnyRuntime::list_running()
{
	if (sources_.empty())
		throw Error(none_);
	// Concurrently: each bounded by its own timeouts, so the slowest (a
	// wedged daemon) costs its timeout once, not the sum of all.
	std::vector<std::future<std::vector<ContainerSummary>>> lists;
	for (auto &s : sources_)
		lists.push_back(std::async(std::launch::async, [src = s.get()] { return src->list_running(); }));
	std::vector<ContainerSummary> all;
	std::vector<std::string> failures;
	std::set<std::string> listed;
	// Kept across lists, so exited containers keep their label for late
	// events; bounded like the namer's cache.
	if (owner_.size() > 8192)
		owner_.clear();
	for (std::size_t i = 0; i < sources_.size(); i++) {
		try {
			for (auto &c : lists[i].get()) {
				if (!listed.insert(c.id).second)
					continue;
				if (c.runtime.empty())
					c.runtime = sources_[i]->runtime_of(c.id);
				owner_[c.id] = i;
				all.push_back(std::move(c));
			}
		} catch (const Error &e) {
			failures.push_back(e.what());
		}
	}
	if (failures.size() == sources_.size())
		throw Error(join(failures, "; "));
	partial_ = join(failures, "; ");
	return all;
}

std::string AnyRuntime::runtime_of(const std::string &container_id) const
{
	auto it = owner_.find(container_id);
	return it == owner_.end() ? label_ : sources_[it->second]->runtime_of(container_id);
}

std::optional<ContainerDetails> AnyRuntime::inspect(const std::string &id_or_name)
{
	if (sources_.empty())
		throw Error(none_);
	if (auto it = owner_.find(id_or_name); it != owner_.end())
		return sources_[it->second]->inspect(id_or_name);
	std::optional<std::string> first_error;
	std::size_t failed = 0;
	for (const auto &s : sources_) {
		try {
			if (auto d = s->inspect(id_or_name))
				return d;
		} catch (const Error &e) {
			failed++;
			if (!first_error)
				first_error = e.what();
		}
	}
	if (failed == sources_.size())
		throw Error(*first_error);
	return std::nullopt;
}

} // namespace bpfwatch

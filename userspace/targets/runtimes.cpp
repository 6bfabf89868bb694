// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/runtimes.h"

#include <sys/stat.h>

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

// Podman's socket if it runs, else its CLI; nullptr when neither is here.
std::unique_ptr<ContainerSource> podman_source(const ResolveOptions &opts, DockerTimeouts timeouts)
{
	if (exists(opts.podman_socket))
		return std::make_unique<DockerClient>(opts.podman_socket, "podman", timeouts);
	std::string cli = find_program(opts.podman_program);
	if (!cli.empty())
		return std::make_unique<PodmanCli>(cli, timeouts);
	return nullptr;
}

} // namespace

std::unique_ptr<ContainerSource> make_container_source(const ResolveOptions &opts, DockerTimeouts timeouts)
{
	const std::string escape = "; use --cgroup or --pid instead";
	if (opts.runtime == "docker")
		return std::make_unique<DockerClient>(opts.docker_socket, "docker", timeouts);
	if (opts.runtime == "podman") {
		if (auto p = podman_source(opts, timeouts))
			return p;
		return std::make_unique<AnyRuntime>(
			std::vector<std::unique_ptr<ContainerSource>>{},
			"podman socket " + opts.podman_socket + " not found and no " + opts.podman_program +
				" on PATH; is the podman service running (podman system service)?" + escape);
	}
	if (opts.runtime != "auto")
		throw Error("unknown container runtime '" + opts.runtime + "' (auto, docker or podman)");

	std::vector<std::unique_ptr<ContainerSource>> found;
	if (exists(opts.docker_socket))
		found.push_back(std::make_unique<DockerClient>(opts.docker_socket, "docker", timeouts));
	if (auto p = podman_source(opts, timeouts))
		found.push_back(std::move(p));
	// One runtime alone keeps its own errors word for word.
	if (found.size() == 1)
		return std::move(found.front());
	return std::make_unique<AnyRuntime>(
		std::move(found), "no container runtime found: no Docker socket at " + opts.docker_socket +
					  ", no Podman socket at " + opts.podman_socket + ", no " +
					  opts.podman_program + " on PATH" + escape);
}

AnyRuntime::AnyRuntime(std::vector<std::unique_ptr<ContainerSource>> sources, std::string none)
	: sources_(std::move(sources)), none_(std::move(none))
{
	std::vector<std::string> names;
	for (const auto &s : sources_)
		names.push_back(s->runtime());
	label_ = names.empty() ? "none" : join(names, "+");
}

std::vector<ContainerSummary> AnyRuntime::list_running()
{
	if (sources_.empty())
		throw Error(none_);
	std::vector<ContainerSummary> all;
	std::vector<std::string> failures;
	// Kept across lists, so exited containers keep their label for late
	// events; bounded like the namer's cache.
	if (owner_.size() > 8192)
		owner_.clear();
	for (std::size_t i = 0; i < sources_.size(); i++) {
		try {
			for (auto &c : sources_[i]->list_running()) {
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
	return it == owner_.end() ? label_ : sources_[it->second]->runtime();
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

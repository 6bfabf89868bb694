// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Which container runtime answers "which container is 'log-router'?":
// Docker's socket, Podman's Docker-compatible socket, the podman CLI,
// containerd (its task state, else ctr), CRI-O's inspect API, or every one
// of them that is present on this host.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "targets/docker.h"
#include "targets/resolver.h"

namespace bpfwatch {

// The source opts.runtime asks for:
//   "docker"     the Docker socket (opts.docker_socket) only;
//   "podman"     Podman's socket (opts.podman_socket) when it exists, else
//                the podman CLI;
//   "containerd" each of opts.containerd whose task state or socket exists;
//   "cri-o"      CRI-O's socket (opts.crio_socket);
//   "auto"       each of those present now, in that order; a container is
//                found in whichever knows it.
// Never throws for an absent runtime: the source then fails when asked,
// saying what was looked for, so --cgroup and --pid runs never notice.
std::unique_ptr<ContainerSource> make_container_source(const ResolveOptions &opts,
						       DockerTimeouts timeouts = {});

// One runtime endpoint bpfwatch knows to look for, present or not: what
// `bpfwatch list` reports on, and what make_container_source combines.
struct RuntimeCandidate {
	std::string runtime;  // "docker", "podman", "containerd", "cri-o"
	std::string endpoint; // the socket, program or state directory asked
	bool present = false; // something is there to ask
	std::unique_ptr<ContainerSource> source; // asks it; fails saying why when absent
};

// Every endpoint opts.runtime may use, in make_container_source's order
// (containerd endpoints that are one directory under two names once).
std::vector<RuntimeCandidate> runtime_candidates(const ResolveOptions &opts, DockerTimeouts timeouts = {});

// Several runtimes as one: lists are merged (runtime_of says whose each id
// is; an id a runtime earlier in the order listed already is left out, so
// Docker's containers are not listed again by its containerd), asked
// concurrently; inspect asks the runtime that listed the id, else each in
// turn. One runtime failing does not hide the others' containers.
class AnyRuntime : public ContainerSource {
public:
	// `none`: the error to give when `sources` is empty.
	AnyRuntime(std::vector<std::unique_ptr<ContainerSource>> sources, std::string none);

	const std::string &runtime() const override { return label_; }
	std::vector<ContainerSummary> list_running() override;
	std::optional<ContainerDetails> inspect(const std::string &id_or_name) override;
	std::string partial_failure() const override { return partial_; }
	std::string runtime_of(const std::string &container_id) const override;

private:
	std::vector<std::unique_ptr<ContainerSource>> sources_;
	std::string none_;
	std::string label_;
	std::string partial_;
	std::unordered_map<std::string, std::size_t> owner_; // container id -> index in sources_
};

} // namespace bpfwatch

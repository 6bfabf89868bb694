// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Podman without its API service: `podman ps` and `podman inspect` read
// Podman's own database, so names resolve on a host where no podman.sock
// runs (the default outside systemd socket activation).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "targets/docker.h"

namespace bpfwatch {

// `podman inspect --type container` prints a JSON array: its one element,
// nullopt for the empty array an unknown name gives. Throws Error on
// malformed input.
std::optional<ContainerDetails> parse_podman_inspect(std::string_view json);

class PodmanCli : public ContainerSource {
public:
	// `program`: the podman executable, looked up on $PATH.
	explicit PodmanCli(std::string program = "podman", DockerTimeouts timeouts = {});

	const std::string &runtime() const override { return runtime_; }
	std::vector<ContainerSummary> list_running() override;
	std::optional<ContainerDetails> inspect(const std::string &id_or_name) override;

private:
	std::string program_;
	std::string runtime_ = "podman";
	DockerTimeouts timeouts_;
};

} // namespace bpfwatch

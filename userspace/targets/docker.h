// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A small Docker Engine API client over the unix socket, just enough to
// turn container names into pids. Podman's Docker-compatible socket speaks
// the same API, so the runtime's name is a parameter, not an assumption.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "targets/container_source.h"

namespace bpfwatch {

// Pure parsers of the API's JSON; they throw Error on malformed input.
std::vector<ContainerSummary> parse_container_list(std::string_view json);
ContainerDetails parse_container_inspect(std::string_view json);
// The message of an API error body ({"message": "..."}), else the body.
std::string parse_api_error(std::string_view body);

// Short on purpose: bpfwatch must not hang on a wedged daemon.
struct DockerTimeouts {
	std::chrono::milliseconds connect{2000};
	std::chrono::milliseconds total{5000};
};

class DockerClient : public ContainerSource {
public:
	struct Response {
		long status = 0;
		std::string body;
	};

	explicit DockerClient(std::string socket_path = "/var/run/docker.sock",
			      std::string runtime = "docker", DockerTimeouts timeouts = {});

	const std::string &runtime() const override { return runtime_; }
	const std::string &socket_path() const { return socket_path_; }

	std::vector<ContainerSummary> list_running() override;
	std::optional<ContainerDetails> inspect(const std::string &id_or_name) override;

	// GET `path` ("/containers/json"); throws Error when the socket is
	// missing or the request fails, never for an HTTP error status.
	Response get(const std::string &path);

private:
	std::string socket_path_;
	std::string runtime_;
	DockerTimeouts timeouts_;
};

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The command line, parsed into plain settings. --help is the first
// documentation users read: every option says what it does and why.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bpfwatch {

struct WatchOptions {
	std::vector<std::string> containers;
	std::vector<std::string> cgroups;
	std::vector<pid_t> pids;
	// Who resolves --container names: "auto", "docker" or "podman".
	std::string runtime = "auto";
	std::string docker_socket = "/var/run/docker.sock";
	std::string podman_socket = "/run/podman/podman.sock";
	std::optional<std::chrono::milliseconds> duration; // unset: until a signal
	std::chrono::milliseconds interval{5000};          // 0: summary only
	// Alert when socket bytes stay at zero this long while writes go on.
	std::optional<std::chrono::milliseconds> alert_silence;
	bool json = false;
	bool events = false;
	bool histogram = false;
	bool delivery = true; // acknowledgements, failures, left-the-host counts
	// Networks to place as remote / as container networks whatever the
	// routes say (CIDR); checked when parsed.
	std::vector<std::string> remote_nets;
	std::vector<std::string> local_nets;
	std::size_t top = 5;
	int verbosity = 0;
};

// `bpfwatch check`: the targets and output settings of WatchOptions, and
// what counts as delivered.
struct CheckOptions {
	WatchOptions watch;
	std::string to;                          // HOST[:PORT]; empty: any peer
	std::chrono::milliseconds window{30000};
	std::uint64_t min_bytes = 1;
	bool require_ack = false;
};

struct Command {
	enum class Name { Watch, Check, Exit };
	Name name = Name::Watch;
	int exit_code = 0; // for Exit: --help, --version, or a usage error
	WatchOptions watch;
	CheckOptions check;
};

// Parses argv; --help/--version/usage errors print and yield Name::Exit.
Command parse_command_line(int argc, char **argv);

} // namespace bpfwatch

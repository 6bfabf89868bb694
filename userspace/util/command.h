// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Running a helper program (the podman CLI) with a deadline: no shell, no
// inherited stdin, output captured and bounded.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace bpfwatch {

struct CommandResult {
	int status = -1; // exit code, or 128 + signal
	std::string out;
	std::string err;
};

// A waitpid() status as a shell shows it: the exit code, or 128 + signal.
int exit_status(int wait_status);

// The full path of `name` on $PATH (or `name` itself when it has a '/' and
// is executable); empty when there is none.
std::string find_program(const std::string &name);

// Runs argv[0] (looked up on $PATH) and waits for it. Throws Error when it
// cannot be started, when it runs longer than `timeout` (it is killed),
// or when it prints more than `max_output` bytes.
CommandResult run_command(const std::vector<std::string> &argv, std::chrono::milliseconds timeout,
			  std::size_t max_output = 64u << 20);

} // namespace bpfwatch

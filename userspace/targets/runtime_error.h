// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Why a container runtime did not answer, as a kind the listing can report
// (`bpfwatch list`: "containerd: timeout after 2000 ms") besides the
// message. A RuntimeError is an Error: every existing catch still works.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "util/command.h"
#include "util/error.h"

namespace bpfwatch {

enum class RuntimeFailure {
	missing,    // no socket, state directory or program where it was looked for
	refused,    // a socket nobody listens on (ECONNREFUSED), or not a socket
	permission, // EACCES: not root, not in the runtime's group
	timeout,    // asked, and no answer within the stated time
	malformed,  // answered, but not in the shape documented
	failed,     // answered with an error (HTTP 500, a CLI's non-zero exit)
};

// "missing", "refused", "permission", "timeout", "malformed", "failed".
const char *failure_name(RuntimeFailure kind);

class RuntimeError : public Error {
public:
	RuntimeError(RuntimeFailure kind, const std::string &what) : Error(what), kind_(kind) {}
	RuntimeFailure kind() const { return kind_; }

private:
	RuntimeFailure kind_;
};

// run_command for a runtime's CLI (podman, ctr): the same, but its failures
// are RuntimeErrors: not on PATH is `missing`, killed at the deadline is
// `timeout`, anything else `failed`.
CommandResult run_runtime_command(const std::vector<std::string> &argv,
				  std::chrono::milliseconds timeout);

} // namespace bpfwatch

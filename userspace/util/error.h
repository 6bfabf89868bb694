// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The one error type: a failure carries its context up to main(), which
// prints it as one line and exits non-zero.
#pragma once

#include <stdexcept>
#include <string>

namespace bpfwatch {

// Exit codes, documented in the README.
enum ExitCode : int {
	kExitOk = 0,
	kExitCheckFailed = 1, // `check`: the data did not get out
	kExitError = 2,       // bad input, missing privilege, setup failure
	kExitTargetGone = 3,  // every watched container exited while watched
};

class Error : public std::runtime_error {
public:
	explicit Error(const std::string &what) : std::runtime_error(what) {}
};

// A failed system call: its errno, for callers that tell ENOENT from the rest.
class SystemError : public Error {
public:
	SystemError(const std::string &what, int err);
	int code() const { return code_; }

private:
	int code_;
};

// "what: strerror(err)" for a failed call that set errno (or returned -err).
std::string errno_message(const std::string &what, int err);

} // namespace bpfwatch

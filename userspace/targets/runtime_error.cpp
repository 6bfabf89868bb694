// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/runtime_error.h"

#include "util/command.h"

namespace bpfwatch {

const char *failure_name(RuntimeFailure kind)
{
	switch (kind) {
	case RuntimeFailure::missing:
		return "missing";
	case RuntimeFailure::refused:
		return "refused";
	case RuntimeFailure::permission:
		return "permission";
	case RuntimeFailure::timeout:
		return "timeout";
	case RuntimeFailure::malformed:
		return "malformed";
	case RuntimeFailure::failed:
		break;
	}
	return "failed";
}

CommandResult run_runtime_command(const std::vector<std::string> &argv,
				  std::chrono::milliseconds timeout)
{
	if (!argv.empty() && find_program(argv[0]).empty())
		throw RuntimeError(RuntimeFailure::missing, argv[0] + ": not found on PATH");
	auto start = std::chrono::steady_clock::now();
	try {
		return run_command(argv, timeout);
	} catch (const RuntimeError &) {
		throw;
	} catch (const Error &e) {
		// run_command gives up only at its deadline or on a local failure
		// (pipe, poll, too much output).
		bool late = std::chrono::steady_clock::now() - start >= timeout;
		throw RuntimeError(late ? RuntimeFailure::timeout : RuntimeFailure::failed, e.what());
	}
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// main() only wires: parse the command line, run the command, turn a
// failure into one line on stderr and a non-zero exit.
#include <spdlog/spdlog.h>

#include <iostream>

#include "check/check.h"
#include "cli/options.h"
#include "util/error.h"
#include "util/log.h"
#include "watch/watch.h"

int main(int argc, char **argv)
{
	using namespace bpfwatch;
	Command cmd = parse_command_line(argc, argv);
	if (cmd.name == Command::Name::Exit)
		return cmd.exit_code;
	bool check = cmd.name == Command::Name::Check;
	setup_logging(check ? cmd.check.watch.verbosity : cmd.watch.verbosity);
	try {
		return check ? run_check(cmd.check) : run_watch(cmd.watch);
	} catch (const Error &e) {
		std::cerr << "bpfwatch: " << e.what() << "\n";
	} catch (const std::exception &e) {
		std::cerr << "bpfwatch: unexpected error: " << e.what() << "\n";
	}
	return kExitError;
}

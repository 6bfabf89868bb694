// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// main() only wires: parse the command line, run the command, turn a
// failure into one line on stderr and a non-zero exit.
#include <iostream>
#include <variant>

#include "cli/options.h"
#include "probe/libbpf_log.h"
#include "util/error.h"
#include "util/log.h"

namespace bpfwatch {
namespace {

struct Run {
	int operator()(const WatchOptions &o) const { return run_watch(o); }
	int operator()(const CheckOptions &o) const { return run_check(o); }
	int operator()(const ListCommandOptions &o) const { return run_list(o); }
	int operator()(const ExitNow &e) const { return e.code; }
};

} // namespace
} // namespace bpfwatch

int main(int argc, char **argv)
{
	using namespace bpfwatch;
	CommandLine cl = parse_command_line(argc, argv);
	if (auto *exit = std::get_if<ExitNow>(&cl.command))
		return exit->code;
	setup_logging(cl.verbosity);
	route_libbpf_log_to_spdlog();
	try {
		return std::visit(Run{}, cl.command);
	} catch (const Error &e) {
		std::cerr << "bpfwatch: " << e.what() << "\n";
	} catch (const std::exception &e) {
		std::cerr << "bpfwatch: unexpected error: " << e.what() << "\n";
	}
	return kExitError;
}

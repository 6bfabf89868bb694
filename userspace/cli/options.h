// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The command line, parsed into one command: the options of the layer
// that runs it. --help is the first documentation users read: every
// option says what it does and why.
#pragma once

#include <variant>

#include "check/check.h"
#include "list/list.h"
#include "watch/watch.h"

namespace bpfwatch {

// --help, --version or a usage error: print nothing more, exit with this.
struct ExitNow {
	int code = 0;
};

using Command = std::variant<WatchOptions, CheckOptions, ListCommandOptions, ExitNow>;

struct CommandLine {
	Command command;
	int verbosity = 0; // -v: bpfwatch's and libbpf's logs
};

// Parses argv; --help/--version/usage errors print and yield ExitNow.
CommandLine parse_command_line(int argc, char **argv);

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The command line: the input is the arguments after "bpfwatch", each
// ended by a NUL byte (at most 64). Every command line yields a command or
// an exit status; help and errors are printed to streams muted here.
#include <iostream>
#include <string>
#include <vector>

#include "cli/options.h"
#include "fuzz.h"

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
	std::cout.rdbuf(nullptr);
	std::cerr.rdbuf(nullptr);
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	using namespace bpfwatch;
	constexpr std::size_t kMaxArgs = 64;
	std::string_view text = fuzz::text_of(data, size);
	std::vector<std::string> args{"bpfwatch"};
	while (!text.empty() && args.size() <= kMaxArgs) {
		std::size_t end = text.find('\0');
		args.emplace_back(text.substr(0, end));
		text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
	}
	std::vector<char *> argv;
	for (std::string &a : args)
		argv.push_back(a.data());
	argv.push_back(nullptr);
	CommandLine cl = parse_command_line(static_cast<int>(args.size()), argv.data());
	if (auto *exit = std::get_if<ExitNow>(&cl.command))
		fuzz::require(exit->code == kExitOk || exit->code == kExitError, "a command line that does not run exits 0 or 2");
	return 0;
}

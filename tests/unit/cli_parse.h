// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Parsing a command line in a test: the command it yields, or its exit.
#pragma once

#include <gtest/gtest.h>

#include <stdexcept>
#include <variant>
#include <vector>

#include "cli/options.h"

namespace bpfwatch::testing {

inline Command parse(std::vector<const char *> args)
{
	args.insert(args.begin(), "bpfwatch");
	return parse_command_line(static_cast<int>(args.size()), const_cast<char **>(args.data())).command;
}

template <typename T>
T parse_as(std::vector<const char *> args)
{
	Command c = parse(std::move(args));
	if (!std::holds_alternative<T>(c))
		throw std::runtime_error("the command line parsed as another command");
	return std::get<T>(c);
}

inline WatchOptions watch_of(std::vector<const char *> args)
{
	return parse_as<WatchOptions>(std::move(args));
}

inline CheckOptions check_of(std::vector<const char *> args)
{
	args.insert(args.begin(), "check");
	return parse_as<CheckOptions>(std::move(args));
}

// The exit status of a command line that does not run (help, errors);
// -1 when it would run.
inline int exit_of(std::vector<const char *> args)
{
	Command c = parse(std::move(args));
	return std::holds_alternative<ExitNow>(c) ? std::get<ExitNow>(c).code : -1;
}

} // namespace bpfwatch::testing

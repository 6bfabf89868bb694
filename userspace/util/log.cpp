// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "util/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>


namespace bpfwatch {

void setup_logging(int verbosity)
{
	spdlog::set_default_logger(spdlog::stderr_color_st("bpfwatch"));
	spdlog::set_pattern("bpfwatch: %l: %v");
	spdlog::set_level(verbosity >= 2   ? spdlog::level::trace
			  : verbosity == 1 ? spdlog::level::debug
					   : spdlog::level::warn);
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "probe/libbpf_log.h"

#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>

#include <cstdarg>
#include <cstdio>
#include <string>

namespace bpfwatch {
namespace {

int print_to_spdlog(enum libbpf_print_level level, const char *fmt, va_list args)
{
	char buf[4096];
	int n = std::vsnprintf(buf, sizeof(buf), fmt, args);
	std::string line(buf, n > 0 ? std::min<size_t>(n, sizeof(buf) - 1) : 0);

	while (!line.empty() && line.back() == '\n')
		line.pop_back();
	switch (level) {
	case LIBBPF_WARN:
		spdlog::debug("libbpf: {}", line); // main() reports the failure itself
		break;
	case LIBBPF_INFO:
		spdlog::debug("libbpf: {}", line);
		break;
	default:
		spdlog::trace("libbpf: {}", line);
		break;
	}
	return n;
}

} // namespace

void route_libbpf_log_to_spdlog()
{
	libbpf_set_print(print_to_spdlog);
}

} // namespace bpfwatch

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
	// Whole: a verifier log runs to many KiB and says why at its end.
	va_list copy;
	va_copy(copy, args);
	int n = std::vsnprintf(nullptr, 0, fmt, copy);
	va_end(copy);
	std::string line(n > 0 ? static_cast<std::size_t>(n) + 1 : 1, '\0');
	n = std::vsnprintf(line.data(), line.size(), fmt, args);
	line.resize(n > 0 ? static_cast<std::size_t>(n) : 0);

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

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "util/process_usage.h"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>

namespace bpfwatch {

double process_cpu_seconds()
{
	rusage ru{};
	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	auto seconds = [](const timeval &tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
	return seconds(ru.ru_utime) + seconds(ru.ru_stime);
}

std::optional<std::uint64_t> process_resident_bytes(const std::string &statm)
{
	// "size resident shared text lib data dt", in pages.
	std::ifstream in(statm);
	std::uint64_t size = 0, resident = 0;
	if (!(in >> size >> resident))
		return std::nullopt;
	return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

} // namespace bpfwatch

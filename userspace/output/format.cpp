// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "output/format.h"

#include <array>
#include <cmath>
#include <string_view>

#include <fmt/format.h>

namespace bpfwatch {

std::string format_bytes(std::uint64_t bytes)
{
	static constexpr std::array<std::string_view, 7> units = {"B",   "KiB", "MiB", "GiB",
								  "TiB", "PiB", "EiB"};
	if (bytes < 1024)
		return fmt::format("{} B", bytes);
	double v = static_cast<double>(bytes);
	std::size_t u = 0;
	// Move up a unit also when rounding to one decimal would print "1024.0".
	while (u + 1 < units.size() && v >= 1024 - 0.05) {
		v /= 1024;
		u++;
	}
	return fmt::format("{:.1f} {}", v, units[u]);
}

std::string syscall_name(Syscall syscall)
{
	static constexpr std::array<std::string_view, kSyscalls> names = {
		"write",   "writev", "pwrite64", "pwritev",   "pwritev2",
		"sendto",  "sendmsg", "sendmmsg", "sendfile64", "read",     "readv",
		"pread64", "preadv",  "preadv2",  "recvfrom",   "recvmsg",  "recvmmsg",
	};
	auto i = static_cast<std::size_t>(syscall);
	return i < names.size() ? std::string(names[i]) : fmt::format("syscall {}", i);
}

std::string kind_name(FdKind kind)
{
	static constexpr std::array<std::string_view, kFdKinds> names = {"pipe", "file", "socket", "tty", "other"};
	auto i = index_of(kind);
	return i < names.size() ? std::string(names[i]) : fmt::format("kind {}", i);
}

std::string write_view_name(WriteView view)
{
	if (view == WriteView::stdio)
		return "stdio";
	if (view == WriteView::log)
		return "log";
	return kind_name(static_cast<FdKind>(view));
}

std::string format_duration(double seconds)
{
	if (!(seconds > 0)) // also NaN
		seconds = 0;
	// Past a minute tenths are noise; below it they tell 4.9s from 5.0s.
	if (std::round(seconds * 10) / 10 < 60)
		return fmt::format("{:.1f}s", seconds);
	auto total = static_cast<std::uint64_t>(std::llround(seconds));
	std::uint64_t h = total / 3600, m = total / 60 % 60, s = total % 60;
	if (h == 0)
		return fmt::format("{}m{:02}s", m, s);
	return fmt::format("{}h{:02}m{:02}s", h, m, s);
}

} // namespace bpfwatch

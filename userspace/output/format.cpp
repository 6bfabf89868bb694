// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "output/format.h"

#include <array>
#include <cmath>
#include <cstring>
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

std::string errno_name(int err)
{
	if (err < 0)
		err = -err;
	// strerrorname_np (glibc 2.32) returns NULL for unknown values and a
	// digit string for 0, neither of which is an errno name.
	const char *name = strerrorname_np(err);
	if (name && name[0] == 'E')
		return name;
	return fmt::format("errno {}", err);
}

std::string syscall_name(unsigned syscall)
{
	static constexpr std::array<std::string_view, BW_SYS_MAX> names = {
		"write",   "writev", "pwrite64", "pwritev",   "pwritev2",
		"sendto",  "sendmsg", "sendmmsg", "sendfile64",
	};
	static_assert(BW_SYS_WRITE == 0 && BW_SYS_SENDFILE64 == 8, "names follow enum bw_syscall");
	if (syscall < names.size())
		return std::string(names[syscall]);
	return fmt::format("syscall {}", syscall);
}

std::string kind_name(unsigned kind)
{
	static constexpr std::array<std::string_view, BW_KIND_MAX> names = {"pipe", "file", "socket",
									    "tty", "other"};
	static_assert(BW_KIND_PIPE == 0 && BW_KIND_OTHER == 4, "names follow enum bw_kind");
	if (kind < names.size())
		return std::string(names[kind]);
	return fmt::format("kind {}", kind);
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

std::string connect_error_name(int err)
{
	return err ? errno_name(err) : "abandoned";
}

} // namespace bpfwatch

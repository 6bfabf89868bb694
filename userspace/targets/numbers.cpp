// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/numbers.h"

#include <charconv>

namespace bpfwatch {

std::optional<pid_t> parse_pid(std::string_view text)
{
	if (!text.empty() && text.back() == '\n')
		text.remove_suffix(1);
	pid_t pid = 0;
	auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), pid);
	if (text.empty() || text.front() == '-' || ec != std::errc() || end != text.data() + text.size())
		return std::nullopt;
	return pid;
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "output/flow_text.h"

#include <vector>

#include <fmt/format.h>

#include "output/format.h"
#include "output/text.h"

namespace bpfwatch {
namespace {

std::string side_text(const FlowSide &s, std::string_view dir, std::string_view preposition)
{
	std::string text = fmt::format("{} {}", dir, format_bytes(s.bytes));
	if (s.peer) {
		std::string where = s.peer->host_port();
		text += fmt::format(" {} {}", preposition, printable(where.empty() ? s.peer->to_string() : where));
	} else if (s.kind) {
		text += fmt::format(" {} {}", preposition, kind_name(*s.kind));
	}
	std::vector<std::string> trouble;
	if (s.eof)
		trouble.push_back(fmt::format("{} × EOF", s.eof));
	if (s.top_errno_calls)
		trouble.push_back(fmt::format("{} × {}", s.top_errno_calls, errno_name(s.top_errno)));
	if (!trouble.empty())
		text += " (" + fmt::format("{}", fmt::join(trouble, ", ")) + ")";
	return text;
}

} // namespace

std::string flow_text(const Flow &flow)
{
	return side_text(flow.in, "in", "from") + ", " + side_text(flow.out, "out", "to");
}

} // namespace bpfwatch

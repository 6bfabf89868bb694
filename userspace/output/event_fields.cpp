// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "output/event_fields.h"

#include <cstring>

#include "output/text.h"

namespace bpfwatch {

std::string event_comm(const bw_event &event)
{
	return printable(std::string_view(event.comm, strnlen(event.comm, BW_COMM_LEN)));
}

std::optional<Destination> event_destination(const bw_event &event)
{
	if (event.kind != BW_KIND_SOCKET || event.dest.family == 0)
		return std::nullopt;
	return Destination::from(event.dest);
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "output/event_fields.h"

#include <cstring>

#include "output/text.h"

namespace bpfwatch {

std::string record_comm(const Record &record)
{
	return printable(std::string_view(record.comm.data(), strnlen(record.comm.data(), record.comm.size())));
}

std::optional<Endpoint> record_destination(const Record &record)
{
	if (record.kind != FdKind::socket || record.endpoint.family == 0)
		return std::nullopt;
	return record.endpoint;
}

} // namespace bpfwatch

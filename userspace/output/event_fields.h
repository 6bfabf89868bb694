// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The parts of a record both outputs print the same way.
#pragma once

#include <optional>
#include <string>

#include "net/endpoint.h"
#include "probe/record.h"

namespace bpfwatch {

// The task's comm, cut at its NUL and made printable ASCII: a thread may
// name itself with any bytes.
std::string record_comm(const Record &record);
// The peer of a socket record; none for other kinds or an unknown family.
std::optional<Endpoint> record_destination(const Record &record);

} // namespace bpfwatch

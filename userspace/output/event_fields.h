// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The parts of a ring-buffer record both outputs print the same way.
#pragma once

#include <optional>
#include <string>

#include "aggregator/destination.h"
#include "probe/abi.h"

namespace bpfwatch {

// The task's comm, cut at its NUL and made printable ASCII: a thread may
// name itself with any bytes.
std::string event_comm(const bw_event &event);
// The peer of a socket record; none for other kinds or an unknown family.
std::optional<Destination> event_destination(const bw_event &event);

} // namespace bpfwatch

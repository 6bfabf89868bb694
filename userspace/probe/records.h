// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Decoding the ring buffer: a ring record is one CPU's batch of bw_rec
// records, each with the parts it names (bpf/bpfwatch.h), decoded here
// into Records. The one place the record layout is read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "probe/abi.h"
#include "probe/record.h"

namespace bpfwatch {

// Calls @each for every whole record in the @size bytes at @data, in
// order. A record that would run past the end stops the walk. Returns the
// number of records decoded.
std::size_t decode_batch(const void *data, std::size_t size, const std::function<void(const Record &)> &each);

// The kernel's view of a socket's destination, as an Endpoint.
Endpoint endpoint_of(const bw_dest &d);
// A delivery peer (bw_peer), as an Endpoint.
Endpoint endpoint_of(const bw_peer &p);

} // namespace bpfwatch

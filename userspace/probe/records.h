// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Decoding one ring-buffer record: a CPU's batch of bw_rec records, each
// with the parts it names (bpf/bpfwatch.h), into bw_event values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "probe/abi.h"

namespace bpfwatch {

// Calls @each for every whole record in the @size bytes at @data, in
// order. A record that would run past the end stops the walk. Returns the
// number of records decoded.
std::size_t decode_batch(const void *data, std::size_t size, const std::function<void(const bw_event &)> &each);

} // namespace bpfwatch

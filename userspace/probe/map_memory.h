// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include <cstdint>

struct bpf_object;

namespace bpfwatch {

// Kernel memory a loaded object's maps pin: the kernel's own accounting,
// "memlock:" in each map fd's fdinfo.
std::uint64_t maps_memlock_bytes(const bpf_object *obj);

} // namespace bpfwatch

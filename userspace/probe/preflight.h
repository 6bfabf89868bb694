// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// What the kernel and our privileges must offer before we load anything,
// each missing piece reported by name instead of as a verifier failure.
#pragma once

namespace bpfwatch {

// Throws Error naming the missing capability, BTF or kernel feature.
void check_can_load_probes();

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

namespace bpfwatch {

// SIGINT/SIGTERM set a flag (no SA_RESTART, so a blocked poll returns) and
// the loop finishes cleanly: final summary, then every program detached.
void install_stop_signals();
bool stop_requested();

} // namespace bpfwatch

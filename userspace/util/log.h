// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

namespace bpfwatch {

// Logging goes to stderr (stdout carries the reports): warnings by
// default, debug with -v, libbpf's debug output with -vv.
void setup_logging(int verbosity);

} // namespace bpfwatch

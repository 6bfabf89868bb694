// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// errno values by their names, as every output and the model's rankings
// spell them.
#pragma once

#include <string>

namespace bpfwatch {

// "ECONNREFUSED"; "errno N" when glibc has no name for it. The sign is
// ignored, so a syscall's -errno return can be passed as is.
std::string errno_name(int err);
// A connect's errno; 0 means the application gave up before an answer.
std::string connect_error_name(int err);

} // namespace bpfwatch

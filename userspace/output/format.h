// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Numbers, syscalls and fd kinds as people read them; shared by every
// output. errno names come from util/errno_name.h.
#pragma once

#include <cstdint>
#include <string>

#include "aggregator/window.h"
#include "probe/record.h"
#include "util/errno_name.h"

namespace bpfwatch {

// IEC units, one decimal past 1 KiB: "0 B", "512 B", "12.0 KiB", "3.4 MiB".
std::string format_bytes(std::uint64_t bytes);
// "write", "sendmmsg", ...
std::string syscall_name(Syscall syscall);
// "pipe", "file", "socket", "tty", "other"
std::string kind_name(FdKind kind);
// "pipe" .. "other" for the fd kinds, then "stdio", "log"
std::string write_view_name(WriteView view);
// "5.0s" under a minute, then "2m03s", then "1h02m03s".
std::string format_duration(double seconds);

} // namespace bpfwatch

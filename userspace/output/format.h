// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Numbers and kernel enums as people read them; shared by every output.
#pragma once

#include <cstdint>
#include <string>

#include "probe/abi.h"

namespace bpfwatch {

// IEC units, one decimal past 1 KiB: "0 B", "512 B", "12.0 KiB", "3.4 MiB".
std::string format_bytes(std::uint64_t bytes);
// "ECONNREFUSED"; "errno N" when glibc has no name for it. The sign is
// ignored, so a syscall's -errno return can be passed as is.
std::string errno_name(int err);
// A connect's errno; 0 means the application gave up before an answer.
std::string connect_error_name(int err);
// enum bw_syscall -> "write", "sendmmsg", ...; "syscall N" when unknown.
std::string syscall_name(unsigned syscall);
// enum bw_kind -> "pipe", "file", "socket", "tty", "other"; "kind N" when unknown.
std::string kind_name(unsigned kind);
// "5.0s" under a minute, then "2m03s", then "1h02m03s".
std::string format_duration(double seconds);

} // namespace bpfwatch

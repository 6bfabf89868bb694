// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A container's log, as the kernel sees it: the pipes (or pty) its main
// process has as fd 1 and 2 — the runtime's shim reads the other end and
// that is what `docker logs` shows. Read from /proc without touching the
// process.
#pragma once

#include <sys/types.h>

#include <array>
#include <optional>
#include <string>

#include "util/file_id.h"

namespace bpfwatch {

// fd 1 and 2 of a process; an entry is unknown (ino 0) when that fd is not
// a pipe or tty.
using LogFiles = std::array<FileId, 2>;

// fd 1 and 2 of `pid` by inode and device; nullopt when neither can be
// read (the process is gone, or /proc is not the host's).
std::optional<LogFiles> log_files_of(pid_t pid, const std::string &proc_root = "/proc");

} // namespace bpfwatch

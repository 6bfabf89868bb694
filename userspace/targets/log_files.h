// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A container's log, as the kernel sees it: the pipes (or pty) its main
// process has as fd 1 and 2 — the runtime's shim reads the other end and
// that is what `docker logs` shows. Read from /proc without touching the
// process.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "probe/abi.h"

namespace bpfwatch {

// The kernel's dev_t for a stat() st_dev: MAJOR << 20 | MINOR.
__u32 kernel_dev(dev_t dev);

// fd 1 and 2 of `pid` by inode and device; nullopt when neither can be
// read (the process is gone, or /proc is not the host's).
std::optional<bw_log_files> log_files_of(pid_t pid, const std::string &proc_root = "/proc");

} // namespace bpfwatch

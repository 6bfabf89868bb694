// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Running a never-attached raw_tp program on one CPU: how user space has
// a CPU fold its own per-CPU staging (record batches, egress slots) into
// memory it can read.
#pragma once

#include <cstdint>
#include <string>

namespace bpfwatch {

// Runs @prog_fd on @cpu (BPF_PROG_TEST_RUN with BPF_F_TEST_RUN_ON_CPU,
// Linux 5.10) until it returns 0, at most @attempts times; adds the runs
// made to *@runs (if given). A CPU whose slot stays held, or that went
// offline, keeps what it staged for a later run. Throws Error naming
// @what on any other failure.
void run_on_cpu(int prog_fd, int cpu, int attempts, std::uint64_t *runs, const std::string &what);

} // namespace bpfwatch

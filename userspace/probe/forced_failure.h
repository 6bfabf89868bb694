// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// BPFWATCH_FAIL_PROGRAM: make the kernel refuse named programs, to prove
// that bpfwatch degrades rather than dies. Nothing is mocked: the loader
// asks the kernel for something it refuses, and the refusal takes the same
// path a real one does.
//   BPFWATCH_FAIL_PROGRAM=NAME[:attach|:load][,NAME...]
//   attach (default): attach NAME to a tracepoint that does not exist (a
//           cgroup_skb program: to a directory that is not a cgroup), as
//           on a kernel that lacks its tracepoint.
//   load:   hand NAME to the verifier as a socket filter, whose context and
//           helpers it does not fit: the verifier rejects it, with its log.
#pragma once

#include <string>

struct bpf_object;
struct bpf_program;

namespace bpfwatch {

enum class ForcedFailure { none, attach, load };

ForcedFailure forced_failure(const std::string &program);
// Sets up each program of @obj named for a load failure (before load).
void force_load_failures(bpf_object *obj);
// A raw tracepoint that no kernel has, for a forced attach failure.
constexpr const char *kMissingTracepoint = "bpfwatch_forced_missing_tracepoint";

} // namespace bpfwatch

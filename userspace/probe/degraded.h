// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// What bpfwatch runs without. An optional program the kernel would not
// load or attach (a tracepoint an older kernel lacks, a verifier refusal,
// a missing capability) is left out and the rest keep counting; each one
// left out says what is not covered and why, so silence in the numbers it
// would have made is never mistaken for "nothing happened".
#pragma once

#include <string>
#include <vector>

namespace bpfwatch {

struct Degraded {
	std::string program;      // the BPF program left out, e.g. "bw_egress"
	std::string not_covered;  // what nobody counts while it is out
	std::string why;          // the kernel's refusal, in one line
	std::string verifier_log; // when the verifier refused it (-v prints it)
};

using DegradedList = std::vector<Degraded>;

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A container's flow in one look: what came in and from where, what went
// out and to where, and what went wrong on each side. "The log router
// stopped sending" is either its input dying or its output stuck; this is
// what tells them apart.
#pragma once

#include <cstdint>
#include <optional>

#include "aggregator/window.h"

namespace bpfwatch {

// One side of the flow: where most of its bytes came from or went, the
// bytes of that (every socket's, or the kind's), and the trouble it had.
struct FlowSide {
	std::uint64_t bytes = 0;
	// The busiest socket peer (by bytes, then calls, then errors), when
	// the side had any socket peer; otherwise `kind` names the busiest fd
	// kind.
	std::optional<Endpoint> peer;
	std::optional<FdKind> kind;
	std::uint64_t eof = 0; // input only: ends of stream
	// The most frequent errno of the peer (or, without one, of the side),
	// EAGAIN aside, and its calls; 0 when none failed.
	int top_errno = 0;
	std::uint64_t top_errno_calls = 0;

	bool active() const { return bytes || peer || kind || eof || top_errno_calls; }
};

struct Flow {
	FlowSide in, out;
};

Flow flow_of(const Window &w);

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The seed's symptom as a rule: a container keeps writing (its log, files)
// or keeps receiving (the input side: sockets, pipes, files it reads)
// while nothing it sends gets through for a whole window. "Gets through"
// is what the kernel can see: for TCP, bytes the peer acknowledged (a log
// host that went dark takes nothing, however many packets leave); for
// other sockets, bytes sent.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>

#include "aggregator/window.h"

namespace bpfwatch {

struct SilenceAlert {
	std::uint64_t cgroup_id = 0;
	double silent_s = 0;             // how long nothing got through
	std::uint64_t written_bytes = 0; // log (or stdio) and file bytes meanwhile
	std::uint64_t received_bytes = 0; // bytes read from sockets, pipes and files meanwhile
	std::uint64_t socket_errors = 0; // failed sends and TCP connects meanwhile
	std::uint64_t sent_bytes = 0;    // send calls meanwhile: > 0 means sent, never acknowledged
	std::uint64_t retransmits = 0;   // TCP segments retransmitted meanwhile
};

// What the rule reads from a cgroup's since-start window, each cumulative.
struct SilenceInputs {
	// Bytes that got through: TCP bytes acknowledged (where the delivery
	// probe runs), plus the send bytes of every other socket. Without the
	// delivery probe, every socket's send bytes.
	std::uint64_t delivered_bytes = 0;
	std::uint64_t sent_bytes = 0; // every socket's send bytes
	// What reached the container's log, plus file writes. Log pipes are
	// never files, so nothing is counted twice. Where the log pipes are not
	// known, the stdio calls stand in for the log, but only as far as the
	// kind totals allow them not to be files: stdout redirected to a file
	// is in both stdio and file.
	std::uint64_t written_bytes = 0;
	// The input side: bytes read and received from sockets, pipes and
	// files (a router's input: the Docker API, a log socket, a tailed
	// file). ttys and other fds (eventfds, /dev/urandom) say nothing of it.
	std::uint64_t received_bytes = 0;
	// Failed send calls, and TCP connects that failed (the delivery
	// probe's count): a router whose every connect is refused never gets
	// as far as a send.
	std::uint64_t socket_errors = 0;
	std::uint64_t retransmits = 0;
};

// @acks_known: the delivery probe runs, so window.delivery has TCP acks.
SilenceInputs silence_inputs(const Window &since_start, bool log_known, bool acks_known);

class SilenceDetector {
public:
	using Clock = std::chrono::steady_clock;

	explicit SilenceDetector(std::chrono::milliseconds window) : window_(window) {}

	// The cgroup's cumulative counters at `now`. Returns an alert once per
	// silent stretch, when it has lasted the window with writes or input
	// in it.
	std::optional<SilenceAlert> update(std::uint64_t cgroup_id, Clock::time_point now, const SilenceInputs &in);
	// Seconds the cgroup has been silent at `now`, when its current silent
	// stretch has been alerted and lasts still (as of the last update);
	// nothing otherwise. Reports carry it until bytes get through again.
	std::optional<double> silent_for(std::uint64_t cgroup_id, Clock::time_point now) const;

private:
	struct State {
		SilenceInputs at_start;         // the counters when the stretch began
		Clock::time_point silent_since; // last time bytes got through
		bool alerted = false;
	};

	std::chrono::milliseconds window_;
	std::map<std::uint64_t, State> states_;
};

} // namespace bpfwatch

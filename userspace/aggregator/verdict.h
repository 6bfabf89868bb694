// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// `bpfwatch check`'s judgement, as a pure function of one target's report:
// did its data leave the host, and — for TCP, by default — did the peer
// acknowledge it? A verdict claims only what the kernel saw: a TCP peer
// that never acknowledged took nothing, however many packets left; UDP can
// only be seen leaving, and says so (unconfirmed). output/ words it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "aggregator/report.h"
#include "net/ip.h"

namespace bpfwatch {

struct CheckCriteria {
	std::optional<IpAddress> to_address;  // --to HOST
	std::optional<std::uint16_t> to_port; // --to HOST:PORT
	std::uint64_t min_bytes = 1;
	// TCP bytes count only once acknowledged (--no-require-ack turns it off).
	bool require_ack = true;
	// The input side was counted (Report::input): the verdict can say
	// which half of the flow failed.
	bool input_counted = true;
	// Why packets leaving the host are not counted (the egress program
	// is degraded: no CAP_NET_ADMIN, or the kernel refused it); empty
	// when they are. Then only acknowledgements prove that bytes left.
	std::string egress_unseen;
};

// error: the check could not run (bad input, no runtime, no privilege);
// evaluate() never returns it.
enum class Verdict { delivered, not_delivered, silent, error };

// Why the verdict is what it is: the one fact the reason line leads with.
enum class Finding {
	acknowledged,      // TCP bytes left the host and the peer acknowledged them
	left_unconfirmed,  // bytes left the host where nothing can confirm them (UDP)
	left_unacked,      // TCP bytes left, the peer did not acknowledge enough
	stayed_on_host,    // bytes were sent, but only to peers on this host
	locality_unknown,  // where the peers are could not be read
	sends_failed,      // little or nothing sent; sends or connects failed
	nothing_sent,      // socket activity, but no bytes out to a matching peer
	no_activity,       // no socket activity at all
	egress_unseen,     // sent to remote peers, nothing acknowledged, and leaving is not counted
};

// What the container's input did in the window: sockets, pipes and files
// it read (a router's Docker API stream, a log socket, a tailed file).
enum class InputState {
	flowing, // bytes came in, and did not end
	ended,   // a stream ended (EOF on a pipe or stream socket) and nothing came after
	absent,  // nothing read or received at all
};

// Which half of the flow failed, when the data was not delivered.
enum class FailedHalf {
	none,   // delivered, or the input side was not counted
	input,  // the input ended or never came: upstream died
	output, // the input flowed (or the container made its own data) and it
		// was not delivered: the sender is stuck
};

struct InputSummary {
	InputState state = InputState::absent;
	std::uint64_t bytes = 0; // read from sockets, pipes and files
	std::uint64_t eof = 0;   // ends of stream
	std::optional<Endpoint> source; // the busiest socket source, if any
};

struct CheckResult {
	Verdict verdict = Verdict::silent;
	Finding finding = Finding::no_activity;
	std::uint64_t stdout_bytes = 0;      // what reached the log (or fd 1 and 2)
	std::uint64_t sent_bytes = 0;        // send calls to the matching peers, any locality
	std::uint64_t sent_remote_bytes = 0; // of which to remote peers
	std::uint64_t left_host_bytes = 0;   // IP egress to matching remote peers
	std::uint64_t acked_bytes = 0;       // TCP data acknowledged by matching remote peers
	std::uint64_t tcp_remote_bytes = 0;  // TCP data put on the wire to them (retransmits too)
	std::uint64_t unacked_bytes = 0;     // in flight to them now
	std::uint64_t retransmits = 0;       // segments, matching peers
	std::uint64_t connect_failures = 0;
	std::map<std::string, std::uint64_t> errors; // errno name -> failed calls or connects
	std::vector<Endpoint> peers;                  // the matching peers, any locality
	std::vector<Endpoint> remote_peers;           // of which remote
	bool require_ack = true;
	std::uint64_t min_bytes = 1;
	std::optional<IpAddress> to_address;
	std::string egress_unseen; // CheckCriteria::egress_unseen
	// The input side; none when it was not counted.
	std::optional<InputSummary> input;
	FailedHalf failed_half = FailedHalf::none;
	// What a "delivered" stands on: acknowledged (TCP), unconfirmed (left
	// the host, nothing acknowledges it: UDP, or TCP with
	// --no-require-ack), or none when not delivered.
	std::string confirmation() const;
};

std::string_view to_string(Verdict v); // "delivered", "not_delivered", "silent", "error"
std::string_view to_string(InputState s); // "flowing", "ended", "absent"
std::string_view to_string(FailedHalf h); // "none", "input", "output"

InputSummary summarize_input(const InputWindow &in);

// "198.51.100.7", "198.51.100.7:514", "[::1]:514"; throws Error.
CheckCriteria parse_check_target(const std::string &to, std::uint64_t min_bytes, bool require_ack);

CheckResult evaluate(const TargetReport &target, const CheckCriteria &criteria);

} // namespace bpfwatch

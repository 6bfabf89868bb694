// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// What the delivery probe reports: per watched cgroup, per remote peer,
// the TCP socket-level numbers and the IP-layer egress. Plain values, no
// libbpf and no kernel ABI: the model above uses these.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "net/endpoint.h"

namespace bpfwatch {

// TCP, counted from when bpfwatch first saw each socket (bpf/tcp_track.bpf.h).
struct TcpDelivery {
	// Deltas of the sockets' own counters (struct tcp_sock).
	std::uint64_t bytes_acked = 0;   // data the peer acknowledged (bytes_acked, no SYN/FIN)
	std::uint64_t bytes_sent = 0;    // data put on the wire, retransmits included (bytes_sent)
	std::uint64_t bytes_retrans = 0; // of which retransmitted (bytes_retrans)
	// Gauges over the live sockets, as of this read.
	std::uint64_t unacked = 0;       // snd_nxt - snd_una: in flight, not acknowledged
	std::uint64_t unsent = 0;        // write_seq - snd_nxt: written, not yet sent
	std::uint32_t live_sockets = 0;  // tracked sockets not yet closed
	// Events (tracepoints).
	std::uint64_t retrans_segs = 0;     // tcp:tcp_retransmit_skb, in segments
	std::uint64_t resets_sent = 0;      // tcp:tcp_send_reset
	std::uint64_t resets_received = 0;  // tcp:tcp_receive_reset
	std::uint64_t connect_attempts = 0; // sock:inet_sock_set_state CLOSE -> SYN_SENT
	std::uint64_t connects = 0;         // SYN_SENT -> ESTABLISHED
	std::uint64_t accepts = 0;          // SYN_RECV -> ESTABLISHED
	std::uint64_t connect_failures = 0; // SYN_SENT -> CLOSE
	std::uint64_t closes = 0;           // a synchronized connection reached CLOSE
	// errno -> count. connect: sk_err at SYN_SENT -> CLOSE, 0 when the
	// application gave up; close: sk_err of a connection that ended in error.
	std::map<int, std::uint64_t> connect_errors;
	std::map<int, std::uint64_t> close_errors;
	// Newest ACK of new data (bpf_ktime_get_ns, CLOCK_MONOTONIC); 0: none
	// seen while watched.
	std::uint64_t last_ack_ns = 0;
};

struct EgressCount {
	std::uint64_t packets = 0; // wire packets (GSO counted per segment)
	std::uint64_t bytes = 0;   // IP packets, headers and retransmits included
};

struct PeerDelivery {
	TcpDelivery tcp;                          // proto TCP
	std::map<int, std::uint64_t> icmp_errors; // proto UDP: errno -> count
	EgressCount egress;                       // cgroup_skb/egress, any proto
};

// Kernel-side losses and health: non-zero means some numbers are short.
struct DeliveryStats {
	std::uint64_t sockets_full = 0; // sockets not tracked: their bytes are missing
	std::uint64_t peers_full = 0;   // TCP events or folds not counted
	std::uint64_t errors_full = 0;  // errnos not counted
	std::uint64_t egress_full = 0;  // packets not counted
	std::uint64_t stale = 0;        // tracked sockets that were reused unseen
	std::uint32_t tracked_sockets = 0;
};

// By remote endpoint (IP only; a v4-mapped peer is an IPv4 one), so a
// peer's socket numbers and its packets meet on one key, and a record's
// destination finds its delivery row.
using PeerMap = std::map<Endpoint, PeerDelivery>;

struct DeliverySnapshot {
	std::uint64_t taken_ns = 0; // CLOCK_MONOTONIC, the clock of last_ack_ns
	std::map<std::uint64_t, PeerMap> cgroups; // cgroup v2 id -> peers
	DeliveryStats stats;
};

} // namespace bpfwatch

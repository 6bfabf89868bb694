// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// `check`'s verdict from synthetic windows: what counts as delivered, and
// the reason line it is printed with.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>

#include "aggregator/verdict.h"
#include "output/check_output.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

Endpoint peer(std::uint8_t proto, const char *ip, std::uint16_t port)
{
	return Endpoint::ip(*IpAddress::parse(ip), proto, port);
}

Endpoint tcp_peer(const char *ip, std::uint16_t port)
{
	return peer(IPPROTO_TCP, ip, port);
}

// A log router that sent `sent` bytes to `p` (records) with the network's
// view `d`, and wrote 4 KiB to stdout.
TargetReport router(const Endpoint &p, Locality where, std::uint64_t sent, const PeerDelivery &d)
{
	TargetReport tr;
	tr.target.name = "log-router";
	tr.window.stdio = {4096, 64, 0};
	if (sent)
		tr.window.destinations[p].counts = {sent, 10, 0};
	tr.window.delivery[p] = d;
	tr.locality[p] = where;
	return tr;
}

PeerDelivery delivered(std::uint64_t bytes, std::uint64_t acked)
{
	PeerDelivery d;
	d.tcp.bytes_sent = bytes;
	d.tcp.bytes_acked = acked;
	d.egress = {10, bytes + 10 * 52};
	return d;
}

CheckCriteria require_ack(const std::string &to = "", std::uint64_t min = 1)
{
	return parse_check_target(to, min, true);
}

CheckCriteria no_require_ack(const std::string &to = "", std::uint64_t min = 1)
{
	return parse_check_target(to, min, false);
}

TEST(CheckVerdict, RemotePeerThatAcknowledgedTheBytesIsDelivered)
{
	Endpoint sink = tcp_peer("198.51.100.7", 514);
	auto r = evaluate(router(sink, Locality::remote, 49357, delivered(49357, 49357)), require_ack());
	EXPECT_EQ(r.verdict, Verdict::delivered);
	EXPECT_EQ(r.finding, Finding::acknowledged);
	EXPECT_EQ(r.confirmation(), "acknowledged");
	EXPECT_EQ(check_reason(r), "OK: 48.2 KiB to tcp 198.51.100.7:514, 48.2 KiB acknowledged");
	EXPECT_EQ(r.left_host_bytes, 49357u + 520);
	EXPECT_EQ(r.acked_bytes, 49357u);
	EXPECT_EQ(r.stdout_bytes, 4096u);
}

TEST(CheckVerdict, RefusedConnectsAreNotDeliveredAndNamed)
{
	Endpoint sink = tcp_peer("198.51.100.7", 514);
	PeerDelivery d;
	d.tcp.connect_attempts = 37;
	d.tcp.connect_failures = 37;
	d.tcp.connect_errors[ECONNREFUSED] = 37;
	d.egress = {37, 37 * 60};
	auto r = evaluate(router(sink, Locality::remote, 0, d), no_require_ack());
	EXPECT_EQ(r.verdict, Verdict::not_delivered);
	EXPECT_EQ(r.finding, Finding::sends_failed);
	EXPECT_EQ(check_reason(r), "FAIL: 4.0 KiB written to stdout, 0 B sent; 37 × ECONNREFUSED to tcp 198.51.100.7:514");
	EXPECT_EQ(r.errors.at("ECONNREFUSED"), 37u);
	EXPECT_EQ(r.connect_failures, 37u);
}

// The log host went dark (dead, or a firewall that drops): packets leave,
// nothing is acknowledged. By default that is not delivered.
TEST(CheckVerdict, ADarkLogHostIsNotDeliveredByDefault)
{
	Endpoint sink = tcp_peer("198.51.100.7", 514);
	PeerDelivery d = delivered(800, 0);
	d.tcp.retrans_segs = 3;
	d.tcp.unacked = 800;
	TargetReport tr = router(sink, Locality::remote, 800, d);
	auto r = evaluate(tr, require_ack());
	EXPECT_EQ(r.verdict, Verdict::not_delivered);
	EXPECT_EQ(r.finding, Finding::left_unacked);
	EXPECT_EQ(r.confirmation(), "none");
	EXPECT_EQ(r.retransmits, 3u);
	EXPECT_EQ(r.unacked_bytes, 800u);
	EXPECT_EQ(check_reason(r),
		  "FAIL: sent 800 B to tcp 198.51.100.7:514, 0 B acknowledged, 3 retransmits: the peer does not answer");

	// --no-require-ack: it left the host, and the verdict says that is all.
	auto lax = evaluate(tr, no_require_ack());
	EXPECT_EQ(lax.verdict, Verdict::delivered);
	EXPECT_EQ(lax.finding, Finding::left_unconfirmed);
	EXPECT_EQ(lax.confirmation(), "unconfirmed");
	EXPECT_EQ(check_reason(lax),
		  "OK (unconfirmed): 800 B to tcp 198.51.100.7:514 left the host, 0 B acknowledged (--no-require-ack)");
}

TEST(CheckVerdict, PartlyAcknowledgedBelowMinBytesNamesTheShortfall)
{
	Endpoint sink = tcp_peer("198.51.100.7", 514);
	TargetReport tr = router(sink, Locality::remote, 2000, delivered(2000, 500));
	auto r = evaluate(tr, require_ack("", 1000));
	EXPECT_EQ(r.verdict, Verdict::not_delivered);
	EXPECT_EQ(check_reason(r),
		  "FAIL: sent 2.0 KiB to tcp 198.51.100.7:514, 500 B acknowledged, 0 retransmits: less than the "
		  "1000 B required");
	EXPECT_EQ(evaluate(tr, require_ack("", 500)).verdict, Verdict::delivered);
}

// UDP can only be seen leaving: delivered, and unconfirmed says so.
TEST(CheckVerdict, UdpThatLeftIsUnconfirmed)
{
	Endpoint sink = peer(IPPROTO_UDP, "198.51.100.7", 514);
	PeerDelivery d;
	d.egress = {5, 5 * 128};
	auto r = evaluate(router(sink, Locality::remote, 500, d), require_ack());
	EXPECT_EQ(r.verdict, Verdict::delivered);
	EXPECT_EQ(r.finding, Finding::left_unconfirmed);
	EXPECT_EQ(r.confirmation(), "unconfirmed");
	EXPECT_EQ(check_reason(r), "OK (unconfirmed): 500 B to udp 198.51.100.7:514 left the host; nothing "
				   "acknowledges datagrams, so delivery is unconfirmed");
}

// Without the egress counter (degraded), acknowledgements still prove
// that TCP bytes left; for UDP nothing can tell, and the verdict says so
// rather than "not delivered".
TEST(CheckVerdict, WithoutEgressAcksStillProveAndDatagramsAreUnknown)
{
	PeerDelivery acked = delivered(800, 800);
	acked.egress = {};
	CheckCriteria c = require_ack();
	c.egress_unseen = "bw_egress is not running (no CAP_NET_ADMIN)";
	Endpoint log_host = tcp_peer("198.51.100.7", 514);
	CheckResult tcp = evaluate(router(log_host, Locality::remote, 800, acked), c);
	EXPECT_EQ(tcp.verdict, Verdict::delivered);
	EXPECT_EQ(tcp.finding, Finding::acknowledged);

	Endpoint udp = peer(IPPROTO_UDP, "198.51.100.7", 514);
	CheckResult r = evaluate(router(udp, Locality::remote, 800, PeerDelivery{}), c);
	EXPECT_EQ(r.verdict, Verdict::error);
	EXPECT_EQ(r.finding, Finding::egress_unseen);
	EXPECT_EQ(check_reason(r), "UNKNOWN: sent 800 B to udp 198.51.100.7:514, 0 B acknowledged, and whether any "
				   "of it left the host cannot be seen: bw_egress is not running (no CAP_NET_ADMIN)");
	// With egress counted, the same sends are simply not delivered.
	EXPECT_EQ(evaluate(router(udp, Locality::remote, 800, PeerDelivery{}), require_ack()).verdict,
		  Verdict::not_delivered);
}

TEST(CheckVerdict, BytesToThisHostNeverCountAsLeavingIt)
{
	Endpoint local = tcp_peer("172.17.0.3", 5514);
	for (Locality where : {Locality::loopback, Locality::host, Locality::local_container}) {
		auto r = evaluate(router(local, where, 10000, delivered(10000, 10000)), no_require_ack());
		EXPECT_EQ(r.verdict, Verdict::not_delivered) << to_string(where);
		EXPECT_EQ(r.left_host_bytes, 0u);
		EXPECT_EQ(r.finding, Finding::stayed_on_host);
		EXPECT_EQ(check_reason(r), "FAIL: 9.8 KiB sent, none of it left the host (tcp 172.17.0.3:5514 is on this host)");
	}
}

// An unreadable routing table is never "remote": the verdict says it
// does not know.
TEST(CheckVerdict, UnknownLocalityIsNotDelivered)
{
	Endpoint sink = tcp_peer("198.51.100.7", 514);
	auto r = evaluate(router(sink, Locality::unknown, 10000, delivered(10000, 10000)), require_ack());
	EXPECT_EQ(r.verdict, Verdict::not_delivered);
	EXPECT_EQ(r.finding, Finding::locality_unknown);
	EXPECT_NE(check_reason(r).find("whether it left the host is unknown"), std::string::npos) << check_reason(r);
}

TEST(CheckVerdict, NoSocketActivityIsSilent)
{
	TargetReport tr;
	tr.window.stdio = {4096, 64, 0};
	auto r = evaluate(tr, require_ack());
	EXPECT_EQ(r.verdict, Verdict::silent);
	EXPECT_EQ(check_reason(r), "SILENT: 4.0 KiB written to stdout, no socket activity");
}

TEST(CheckVerdict, ToSelectsThePeerAndMinBytesTheAmount)
{
	Endpoint a = tcp_peer("198.51.100.7", 514), b = tcp_peer("198.51.100.8", 514);
	TargetReport tr = router(a, Locality::remote, 100, delivered(100, 100));
	tr.window.delivery[b] = delivered(5000, 5000);
	tr.locality[b] = Locality::remote;
	EXPECT_EQ(evaluate(tr, no_require_ack("198.51.100.8:514")).verdict, Verdict::not_delivered)
		<< "b's bytes were never sent by a call we saw";
	EXPECT_EQ(evaluate(tr, require_ack("198.51.100.7")).verdict, Verdict::delivered);
	EXPECT_EQ(evaluate(tr, no_require_ack("198.51.100.7:514", 101)).verdict, Verdict::not_delivered);
	EXPECT_EQ(evaluate(tr, no_require_ack("198.51.100.7:515")).verdict, Verdict::silent);
}

// A router that follows container logs through the Docker API.
void docker_input(TargetReport &tr, std::uint64_t bytes, std::uint64_t eof, std::uint64_t last_read_ns,
		  std::uint64_t last_eof_ns)
{
	Endpoint sock = Endpoint::unix_socket(SOCK_STREAM, "/var/run/docker.sock", 20);
	InputWindow &in = tr.window.input;
	in.by_kind[index_of(FdKind::socket)] = {.bytes = bytes, .calls = 10, .eof = eof};
	SourceStats &s = in.sources[sock];
	s.counts = in.by_kind[index_of(FdKind::socket)];
	s.last_read_ns = last_read_ns;
	s.last_eof_ns = last_eof_ns;
}

TEST(CheckVerdict, InputFlowingAndNothingDeliveredIsTheOutputHalf)
{
	Endpoint p = tcp_peer("198.51.100.7", 514);
	PeerDelivery refused;
	refused.tcp.connect_attempts = 37;
	refused.tcp.connect_failures = 37;
	refused.tcp.connect_errors[ECONNREFUSED] = 37;
	TargetReport tr = router(p, Locality::remote, 0, refused);
	tr.window.stdio = {};
	docker_input(tr, 40960, 0, 100, 0);
	auto r = evaluate(tr, require_ack());
	EXPECT_EQ(r.verdict, Verdict::not_delivered);
	ASSERT_TRUE(r.input);
	EXPECT_EQ(r.input->state, InputState::flowing);
	EXPECT_EQ(r.failed_half, FailedHalf::output);
	EXPECT_EQ(check_reason(r), "FAIL: 0 B written to stdout, 0 B sent; 37 × ECONNREFUSED to tcp 198.51.100.7:514; "
				   "input flowing (40.0 KiB in from /var/run/docker.sock): the output half is stuck");
}

TEST(CheckVerdict, InputThatEndedIsTheInputHalf)
{
	TargetReport tr;
	docker_input(tr, 40960, 1, 100, 100); // the stream's end came with its last bytes
	auto r = evaluate(tr, require_ack());
	EXPECT_EQ(r.verdict, Verdict::silent);
	EXPECT_EQ(r.input->state, InputState::ended);
	EXPECT_EQ(r.failed_half, FailedHalf::input);
	EXPECT_EQ(check_reason(r), "SILENT: 0 B written to stdout, no socket activity; input ended (1 × EOF from "
				   "/var/run/docker.sock, after 40.0 KiB in): the input half failed, upstream ended");

	docker_input(tr, 50000, 1, 200, 100); // read again after that end: flowing
	EXPECT_EQ(evaluate(tr, require_ack()).input->state, InputState::flowing);
}

TEST(CheckVerdict, NoInputAndNothingElseIsTheInputHalfButAProducerNeedsNone)
{
	TargetReport idle;
	auto r = evaluate(idle, require_ack());
	EXPECT_EQ(r.input->state, InputState::absent);
	EXPECT_EQ(r.failed_half, FailedHalf::input);
	EXPECT_EQ(check_reason(r), "SILENT: 0 B written to stdout, no socket activity; no input (nothing read or "
				   "received): the input half failed");

	TargetReport producer;
	producer.window.stdio = {4096, 64, 0};
	r = evaluate(producer, require_ack());
	EXPECT_EQ(r.failed_half, FailedHalf::output);
	EXPECT_EQ(check_reason(r), "SILENT: 4.0 KiB written to stdout, no socket activity");

	CheckCriteria c = require_ack();
	c.input_counted = false;
	r = evaluate(idle, c);
	EXPECT_FALSE(r.input);
	EXPECT_EQ(r.failed_half, FailedHalf::none);
}

TEST(CheckVerdict, ToParsesAddressesAndPorts)
{
	auto c = parse_check_target("[::1]:514", 1, false);
	EXPECT_EQ(c.to_address->to_string(), "::1");
	EXPECT_EQ(*c.to_port, 514);
	c = parse_check_target("::1", 1, false);
	EXPECT_FALSE(c.to_port);
	EXPECT_THROW(parse_check_target("logs.example.com:514", 1, false), Error);
	EXPECT_THROW(parse_check_target("198.51.100.7:99999", 1, false), Error);
	EXPECT_THROW(parse_check_target("[::1", 1, false), Error);
}

} // namespace
} // namespace bpfwatch

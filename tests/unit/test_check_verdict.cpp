// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// `check`'s verdict from synthetic windows: what counts as delivered.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "aggregator/delivery_delta.h"
#include "check/verdict.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

Peer tcp_peer(const char *ip, std::uint16_t port)
{
	Peer p;
	p.family = AF_INET;
	p.proto = IPPROTO_TCP;
	p.port = port;
	inet_pton(AF_INET, ip, p.addr.data());
	return p;
}

// A log router that sent `sent` bytes to `p` (records) with the network's
// view `d`, and wrote 4 KiB to stdout.
TargetReport router(const Peer &p, Locality where, std::uint64_t sent, const PeerDelivery &d)
{
	TargetReport tr;
	tr.target.name = "log-router";
	tr.window.stdio = {4096, 64, 0};
	if (sent) {
		Destination dest = destination_of(p);
		dest.sotype = SOCK_STREAM;
		tr.window.destinations[dest].counts = {sent, 10, 0};
	}
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

TEST(CheckVerdict, RemotePeerThatGotTheBytesIsDelivered)
{
	Peer sink = tcp_peer("198.51.100.7", 514);
	auto r = evaluate(router(sink, Locality::remote, 49357, delivered(49357, 49357)),
			  parse_check_target("", 1, true));
	EXPECT_EQ(r.verdict, Verdict::delivered);
	EXPECT_EQ(r.reason, "OK: 48.2 KiB to 198.51.100.7:514/tcp, 48.2 KiB acknowledged");
	EXPECT_EQ(r.left_host_bytes, 49357u + 520);
	EXPECT_EQ(r.acked_bytes, 49357u);
	EXPECT_EQ(r.stdout_bytes, 4096u);
}

TEST(CheckVerdict, RefusedConnectsAreNotDeliveredAndNamed)
{
	Peer sink = tcp_peer("198.51.100.7", 514);
	PeerDelivery d;
	d.tcp.connect_attempts = 37;
	d.tcp.connect_failures = 37;
	d.tcp.connect_errors[ECONNREFUSED] = 37;
	d.egress = {37, 37 * 60};
	auto r = evaluate(router(sink, Locality::remote, 0, d), parse_check_target("", 1, false));
	EXPECT_EQ(r.verdict, Verdict::not_delivered);
	EXPECT_EQ(r.reason, "FAIL: 4.0 KiB written to stdout, 0 B sent; 37 × ECONNREFUSED to 198.51.100.7:514/tcp");
	EXPECT_EQ(r.errors.at("ECONNREFUSED"), 37u);
}

TEST(CheckVerdict, SentButUnacknowledgedFailsOnlyWhenAckIsRequired)
{
	Peer sink = tcp_peer("198.51.100.7", 514);
	PeerDelivery d = delivered(20000, 0);
	d.tcp.retrans_segs = 12;
	TargetReport tr = router(sink, Locality::remote, 20000, d);
	EXPECT_EQ(evaluate(tr, parse_check_target("", 1, false)).verdict, Verdict::delivered);
	auto r = evaluate(tr, parse_check_target("", 1, true));
	EXPECT_EQ(r.verdict, Verdict::not_delivered);
	EXPECT_EQ(r.retransmits, 12u);
	EXPECT_NE(r.reason.find("0 B acknowledged; 12 retransmits"), std::string::npos) << r.reason;
}

TEST(CheckVerdict, BytesToThisHostNeverCountAsLeavingIt)
{
	Peer local = tcp_peer("172.17.0.3", 5514);
	for (Locality where : {Locality::loopback, Locality::host, Locality::local_container}) {
		auto r = evaluate(router(local, where, 10000, delivered(10000, 10000)), parse_check_target("", 1, false));
		EXPECT_EQ(r.verdict, Verdict::not_delivered) << to_string(where);
		EXPECT_EQ(r.left_host_bytes, 0u);
		EXPECT_NE(r.reason.find("none of it left the host"), std::string::npos) << r.reason;
	}
}

TEST(CheckVerdict, NoSocketActivityIsSilent)
{
	TargetReport tr;
	tr.window.stdio = {4096, 64, 0};
	auto r = evaluate(tr, parse_check_target("", 1, false));
	EXPECT_EQ(r.verdict, Verdict::silent);
	EXPECT_EQ(r.reason, "SILENT: 4.0 KiB written to stdout, no socket activity");
}

TEST(CheckVerdict, ToSelectsThePeerAndMinBytesTheAmount)
{
	Peer a = tcp_peer("198.51.100.7", 514), b = tcp_peer("198.51.100.8", 514);
	TargetReport tr = router(a, Locality::remote, 100, delivered(100, 100));
	tr.window.delivery[b] = delivered(5000, 5000);
	tr.locality[b] = Locality::remote;
	EXPECT_EQ(evaluate(tr, parse_check_target("198.51.100.8:514", 1, false)).verdict, Verdict::not_delivered)
		<< "b's bytes were never sent by a call we saw";
	EXPECT_EQ(evaluate(tr, parse_check_target("198.51.100.7", 1, true)).verdict, Verdict::delivered);
	EXPECT_EQ(evaluate(tr, parse_check_target("198.51.100.7:514", 101, false)).verdict, Verdict::not_delivered);
	EXPECT_EQ(evaluate(tr, parse_check_target("198.51.100.7:515", 1, false)).verdict, Verdict::silent);
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

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Delivery numbers in the table and in JSON: acknowledged, in flight,
// retransmitted, left the host, placed, and how long ago.
#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "aggregator/aggregator.h"
#include "output/table_block.h"
#include "output/text.h"
#include "unit/fixtures/output/sample_report.h"

namespace bpfwatch {
namespace {

using namespace testing;

constexpr std::uint64_t kNow = 100'000'000'000; // CLOCK_MONOTONIC of the report

// log_router_report(), its sink remote, with the network's view of it.
Report delivered_report()
{
	TargetReport tr = log_router_report();
	Endpoint sink = inet_dest(IPPROTO_TCP, "172.17.0.3", 5514);
	tr.window.destinations[sink].last_success_ns = kNow - 2'500'000'000;
	const Endpoint &p = sink;
	PeerDelivery &d = tr.window.delivery[p];
	d.tcp.bytes_acked = 12000;
	d.tcp.unacked = 288;
	d.tcp.retrans_segs = 4;
	d.tcp.connects = 1;
	d.tcp.last_ack_ns = kNow - 500'000'000;
	d.egress = {210, 23208};
	tr.locality[p] = Locality::remote;
	// A peer no send reached: every connect refused.
	Endpoint refused = inet_dest(IPPROTO_TCP, "198.51.100.7", 514);
	tr.window.delivery[refused].tcp.connect_failures = 37;
	tr.window.delivery[refused].tcp.connect_errors[ECONNREFUSED] = 37;
	tr.locality[refused] = Locality::remote;
	Report r = interval_of(tr);
	r.now_ns = kNow;
	r.delivery_stats = DeliveryStats{};
	return r;
}

TEST(OutputDelivery, TableShowsEachPeerAndWhatLeftTheHost)
{
	Report r = delivered_report();
	auto lines = table_block(r.targets[0], r, {});
	std::string text;
	for (const std::string &l : lines) {
		EXPECT_LT(display_width(l), 80u) << l;
		text += l + "\n";
	}
	// The errno and the last good send do not fit beside it: below it.
	EXPECT_NE(text.find("  tcp 172.17.0.3:5514             12.0 KiB      200       3\n"
			    "    errnos: ECONNREFUSED ok 2.5s ago\n"),
		  std::string::npos)
		<< text;
	EXPECT_NE(text.find("  delivery              where         acked  unacked retrans left host last ack\n"),
		  std::string::npos)
		<< text;
	EXPECT_NE(text.find("  tcp 172.17.0.3:5514   remote     11.7 KiB    288 B       4  22.7 KiB     0.5s\n"),
		  std::string::npos)
		<< text;
	EXPECT_NE(text.find("  tcp 198.51.100.7:514  remote          0 B      0 B       0       0 B        -\n"
			    "    connect: ECONNREFUSED 37\n"),
		  std::string::npos)
		<< text;
	EXPECT_NE(text.find("  left the host: 22.7 KiB in 210 packets; acked by remote peers: 11.7 KiB\n"),
		  std::string::npos)
		<< text;
}

Record send_to(const char *ip, std::uint16_t port, std::int32_t ret)
{
	Record e{};
	e.cgroup_id = log_router().cgroup_id;
	e.ret = ret;
	e.kind = FdKind::socket;
	e.syscall = Syscall::sendto;
	e.endpoint = inet_dest(IPPROTO_TCP, ip, port);
	return e;
}

// The silent router in interval reports: the sink took bytes 12 s ago,
// then in this interval only refused connects (no send reached it) and a
// second peer only failed sends. Both rows still say when they last took
// a byte, in the table and in JSON; the interval's counts stay zero.
TEST(OutputDelivery, IntervalRowsSayWhenEachPeerLastTookAByte)
{
	const std::uint64_t cg = log_router().cgroup_id;
	Endpoint sink = inet_dest(IPPROTO_TCP, "198.51.100.7", 514);
	Aggregator agg;
	agg.add(cg, send_to("198.51.100.7", 514, 440), kNow - 12'000'000'000);
	agg.add(cg, send_to("198.51.100.9", 514, 100), kNow - 20'000'000'000);
	PeerDelivery connected;
	connected.tcp.connects = 1;
	agg.set_delivery({{cg, {{sink, connected}}}});
	agg.roll_interval();
	PeerDelivery refused = connected;
	refused.tcp.connect_failures = 37;
	refused.tcp.connect_errors[ECONNREFUSED] = 37;
	agg.set_delivery({{cg, {{sink, refused}}}});
	agg.add(cg, send_to("198.51.100.9", 514, -EPIPE), kNow - 1'000'000'000);

	TargetReport tr;
	tr.target = log_router();
	tr.window = agg.roll_interval().at(cg);
	tr.locality[sink] = Locality::remote;
	Report r = interval_of(tr);
	r.now_ns = kNow;
	r.delivery_stats = DeliveryStats{};

	std::string text;
	for (const std::string &l : table_block(r.targets[0], r, {}))
		text += l + "\n";
	EXPECT_NE(text.find("  tcp 198.51.100.7:514                 0 B        0       0 ok 12.0s ago\n"),
		  std::string::npos)
		<< text;
	EXPECT_NE(text.find("  tcp 198.51.100.9:514                 0 B        0       1 EPIPE ok 20.0s ago\n"),
		  std::string::npos)
		<< text;
	EXPECT_NE(text.find("  tcp 198.51.100.7:514  remote          0 B      0 B       0       0 B        -\n"
			    "    connect: ECONNREFUSED 37\n"),
		  std::string::npos)
		<< text;

	std::ostringstream out;
	make_json_output(out)->report(r);
	auto j = nlohmann::json::parse(out.str());
	ASSERT_EQ(j["destinations"].size(), 2u) << j.dump() << "\none entry per peer, not a second for its delivery";
	for (const auto &d : j["destinations"]) {
		EXPECT_EQ(d["bytes"], 0) << d.dump();
		if (d["address"] == "198.51.100.7") {
			EXPECT_DOUBLE_EQ(d["last_send_age_s"].get<double>(), 12.0) << d.dump();
			EXPECT_FALSE(d.contains("last_error_age_s")) << d.dump();
			EXPECT_EQ(d["delivery"]["connect_failures"], 37) << d.dump();
		} else {
			EXPECT_DOUBLE_EQ(d["last_send_age_s"].get<double>(), 20.0) << d.dump();
			EXPECT_DOUBLE_EQ(d["last_error_age_s"].get<double>(), 1.0) << d.dump();
			EXPECT_EQ(d["errors"], 1) << d.dump();
		}
	}
}

TEST(OutputDelivery, TheContainerLogRowAndFieldWhenItsPipesAreKnown)
{
	Report r = delivered_report();
	r.targets[0].log_known = true;
	r.targets[0].window.log = {1350, 50, 0};
	std::string text;
	for (const std::string &l : table_block(r.targets[0], r, {}))
		text += l + "\n";
	EXPECT_NE(text.find("  log       1.3 KiB         50       0  (what the runtime logs)\n"), std::string::npos)
		<< text;
	std::ostringstream out;
	make_json_output(out)->report(r);
	auto j = nlohmann::json::parse(out.str());
	EXPECT_EQ(j["log"]["bytes"], 1350);
	EXPECT_EQ(j["log"]["calls"], 50);
}

TEST(OutputDelivery, NoDeliveryProbeNoDeliveryLines)
{
	Report r = delivered_report();
	r.delivery_stats.reset();
	for (const std::string &l : table_block(r.targets[0], r, {}))
		EXPECT_EQ(l.find("delivery"), std::string::npos) << l;
}

TEST(OutputDelivery, JsonDestinationsCarryDeliveryAndLocality)
{
	std::ostringstream out;
	make_json_output(out)->report(delivered_report());
	auto j = nlohmann::json::parse(out.str());
	EXPECT_EQ(j["delivery"]["left_host_bytes"], 23208);
	EXPECT_EQ(j["delivery"]["acked_remote_bytes"], 12000);
	EXPECT_EQ(j["delivery"]["connect_failures"], 37);
	ASSERT_EQ(j["destinations"].size(), 2u);
	const auto &sink = j["destinations"][0];
	EXPECT_EQ(sink["address"], "172.17.0.3");
	EXPECT_EQ(sink["locality"], "remote");
	EXPECT_DOUBLE_EQ(sink["last_send_age_s"].get<double>(), 2.5);
	EXPECT_EQ(sink["delivery"]["acked_bytes"], 12000);
	EXPECT_EQ(sink["delivery"]["unacked_bytes"], 288);
	EXPECT_EQ(sink["delivery"]["retransmits"], 4);
	EXPECT_EQ(sink["delivery"]["egress_bytes"], 23208);
	EXPECT_DOUBLE_EQ(sink["delivery"]["last_ack_age_s"].get<double>(), 0.5);
	const auto &refused = j["destinations"][1];
	EXPECT_EQ(refused["address"], "198.51.100.7");
	EXPECT_EQ(refused["bytes"], 0);
	EXPECT_EQ(refused["delivery"]["connect_errors"]["ECONNREFUSED"], 37);
	EXPECT_TRUE(refused["delivery"]["last_ack_age_s"].is_null());
}

} // namespace
} // namespace bpfwatch

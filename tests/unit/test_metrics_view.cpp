// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The exporter's choices, made in the model (aggregator/metrics_view.h):
// label values, the sticky caps, `other`, accepted peers, and that no
// counter goes down from one report to the next.
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>

#include "aggregator/metrics_view.h"
#include "unit/fixtures/output/sample_report.h"

namespace bpfwatch {
namespace {

using testing::inet_dest;
using testing::log_router_report;

TargetReport container(const std::string &name, std::uint64_t cgroup_id)
{
	TargetReport tr;
	tr.target.name = name;
	tr.target.runtime = "docker";
	tr.target.container_id = name + "-id";
	tr.target.cgroup_id = cgroup_id;
	return tr;
}

Endpoint peer(int i)
{
	return inet_dest(IPPROTO_TCP, ("198.51.100." + std::to_string(i)).c_str(), 514);
}

void send(TargetReport &tr, const Endpoint &to, std::uint64_t bytes, std::uint64_t at_ns = 1)
{
	DestinationStats &d = tr.window.destinations[to];
	d.counts.bytes += bytes;
	d.counts.calls++;
	d.last_success_ns = at_ns;
	tr.locality[to] = Locality::remote;
}

Report summary(std::vector<TargetReport> targets)
{
	Report r;
	r.kind = Report::Kind::Summary;
	r.now_ns = 1000;
	r.targets = std::move(targets);
	return r;
}

const ContainerMetrics &only(const MetricsView &v)
{
	EXPECT_EQ(v.containers.size(), 1u);
	return v.containers.front();
}

std::uint64_t send_bytes(const ContainerMetrics &m, const std::string &destination)
{
	std::uint64_t sum = 0;
	for (const SendSeries &s : m.sends)
		if (s.destination == destination)
			sum += s.bytes;
	return sum;
}

TEST(MetricsView, RuntimeLabelsAreTheDocumentedOnes)
{
	EXPECT_EQ(runtime_label("docker"), "docker");
	EXPECT_EQ(runtime_label("podman"), "podman");
	EXPECT_EQ(runtime_label("containerd"), "containerd");
	EXPECT_EQ(runtime_label("cri-o"), "crio");
	EXPECT_EQ(runtime_label("crio"), "crio");
	EXPECT_EQ(runtime_label("cri"), "cri");
	EXPECT_EQ(runtime_label("cgroup"), "cgroup");
	EXPECT_EQ(runtime_label("pid"), "cgroup") << "a --pid target is a cgroup, not a runtime";
	EXPECT_EQ(runtime_label(""), "cgroup");
}

TEST(MetricsView, CountsAreTheWindowsExactOnesByView)
{
	TargetReport tr = log_router_report();
	tr.window.log = {640, 10, 0};
	tr.log_known = true;
	tr.restarts = 2;
	tr.window.lost_events = 7;
	tr.window.detail[WriteView::stdio].sizes.add(60, 200);
	tr.window.detail[WriteView::stdio].errnos[EPIPE] = 1;
	tr.window.detail[WriteView::log].sizes.add(64, 10);
	MetricsBudget budget;
	MetricsView v = budget.view(summary({tr}));
	const ContainerMetrics &m = only(v);
	EXPECT_EQ(m.labels.container, "log-router");
	EXPECT_EQ(m.labels.runtime, "docker");
	EXPECT_EQ(m.labels.container_id, tr.target.container_id);
	EXPECT_EQ(m.view(WriteView::pipe), (Counts{12288, 200, 0}));
	EXPECT_EQ(m.view(WriteView::socket), (Counts{12288, 200, 3}));
	EXPECT_EQ(m.view(WriteView::stdio), (Counts{12288, 200, 0}));
	EXPECT_EQ(m.view(WriteView::log), (Counts{640, 10, 0}));
	EXPECT_TRUE(m.log_known);
	EXPECT_EQ(m.restarts, 2u);
	EXPECT_EQ(m.lost_records, 7u);
	EXPECT_EQ(send_bytes(m, "172.17.0.3:5514"), 12288u);
	EXPECT_EQ(m.sizes.at(WriteView::log).sum, 640u);
	EXPECT_FALSE(m.sizes.count(WriteView::stdio)) << "no histogram for stdio: cardinality";
	EXPECT_EQ(m.errnos.at(WriteView::stdio).at(EPIPE), 1u) << "its errors are kept";
}

TEST(MetricsView, SizeBucketsAreExactCumulativeCountsAtPowersOfFour)
{
	Log2Histogram h;
	h.add(1, 2);       // le 16
	h.add(16, 3);      // le 16: a bound is inclusive
	h.add(17, 4);      // le 64
	h.add(1000, 5);    // le 1024
	h.add(1 << 20, 6); // le 1 MiB
	h.add(5 << 20, 7); // +Inf only
	SizeSeries s = SizeSeries::of(h);
	std::array<std::uint64_t, 9> want = {5, 9, 9, 14, 14, 14, 14, 14, 20};
	EXPECT_EQ(s.cumulative, want);
	EXPECT_EQ(s.count, 27u);
	EXPECT_EQ(s.sum, 2u + 48 + 68 + 5000 + 6 * (1u << 20) + 35 * (1u << 20));
	EXPECT_TRUE(size_histogram_exported(WriteView::log));
	EXPECT_TRUE(size_histogram_exported(WriteView::socket));
	EXPECT_TRUE(size_histogram_exported(WriteView::file));
	EXPECT_FALSE(size_histogram_exported(WriteView::pipe));
	EXPECT_FALSE(size_histogram_exported(WriteView::stdio));
}

TEST(MetricsView, DestinationsPastTheCapAreSummedUnderOtherAndCountedOnce)
{
	MetricsBudget budget(MetricsLimits{3, 500});
	TargetReport tr = container("router", 1);
	for (int i = 1; i <= 5; i++)
		send(tr, peer(i), 100 * i); // 100 .. 500 bytes
	MetricsView v = budget.view(summary({tr}));
	const ContainerMetrics &m = only(v);
	ASSERT_EQ(m.sends.size(), 4u) << "3 destinations and other";
	EXPECT_EQ(send_bytes(m, "198.51.100.5:514"), 500u) << "biggest first";
	EXPECT_EQ(send_bytes(m, "198.51.100.4:514"), 400u);
	EXPECT_EQ(send_bytes(m, "198.51.100.3:514"), 300u);
	EXPECT_EQ(send_bytes(m, "other"), 300u) << "100 + 200";
	EXPECT_EQ(v.series_dropped, 2u);

	// A folded destination that grows past the others stays folded: had
	// it taken a place, `other` would go down.
	send(tr, peer(1), 10000);
	send(tr, peer(6), 1);
	MetricsView later = budget.view(summary({tr}));
	EXPECT_EQ(send_bytes(only(later), "198.51.100.1:514"), 0u);
	EXPECT_EQ(send_bytes(only(later), "other"), 10301u);
	EXPECT_EQ(later.series_dropped, 3u) << "only the new one counts";
	EXPECT_EQ(budget.view(summary({tr})).series_dropped, 3u) << "nothing new, nothing counted";
}

TEST(MetricsView, OtherKeepsProtoAndLocalityApart)
{
	MetricsBudget budget(MetricsLimits{1, 500});
	TargetReport tr = container("router", 1);
	send(tr, peer(1), 1000);
	Endpoint dns = inet_dest(IPPROTO_UDP, "127.0.0.53", 53);
	send(tr, dns, 40);
	tr.locality[dns] = Locality::loopback;
	send(tr, peer(2), 10);
	MetricsView v = budget.view(summary({tr}));
	const ContainerMetrics &m = only(v);
	ASSERT_EQ(m.sends.size(), 3u);
	for (const SendSeries &s : m.sends) {
		if (s.destination != "other")
			continue;
		if (s.proto == "udp")
			EXPECT_EQ(s.locality, Locality::loopback);
		else
			EXPECT_EQ(s.locality, Locality::remote);
	}
	EXPECT_EQ(send_bytes(m, "other"), 50u);
}

TEST(MetricsView, AcceptedConnectionsPeersGoToOtherWithoutTakingAPlace)
{
	MetricsBudget budget(MetricsLimits{2, 500});
	TargetReport tr = container("sink", 1);
	for (int port = 40000; port < 40100; port++) { // clients on ephemeral ports
		Endpoint client = inet_dest(IPPROTO_TCP, "172.17.0.5", port);
		PeerDelivery &d = tr.window.delivery[client];
		d.tcp.accepts = 1;
		d.tcp.bytes_acked = 10;
		send(tr, client, 10); // the sink's replies
		tr.locality[client] = Locality::local_container;
	}
	send(tr, peer(1), 5);
	MetricsView v = budget.view(summary({tr}));
	const ContainerMetrics &m = only(v);
	EXPECT_EQ(send_bytes(m, "other"), 1000u);
	EXPECT_EQ(send_bytes(m, "198.51.100.1:514"), 5u) << "its place was kept free";
	ASSERT_EQ(m.peers.size(), 2u);
	EXPECT_EQ(m.peers[1].destination, "other");
	EXPECT_EQ(m.peers[1].acked_bytes, 1000u);
	EXPECT_EQ(v.series_dropped, 0u) << "not cut by the cap";
}

TEST(MetricsView, DeliveryNumbersByDestination)
{
	MetricsBudget budget;
	TargetReport tr = container("router", 1);
	Endpoint host = peer(7);
	send(tr, host, 800, 400);
	PeerDelivery &d = tr.window.delivery[host];
	d.tcp.bytes_acked = 700;
	d.tcp.retrans_segs = 3;
	d.tcp.connect_errors[ECONNREFUSED] = 25;
	d.tcp.connect_errors[0] = 1;
	d.egress = {12, 960};
	// Refused every time, never sent to: delivery only.
	Endpoint dark = peer(8);
	tr.window.delivery[dark].tcp.connect_errors[ETIMEDOUT] = 2;
	tr.locality[dark] = Locality::remote;
	MetricsView v = budget.view(summary({tr}));
	const ContainerMetrics &m = only(v);
	EXPECT_EQ(m.left_host_bytes, 960u);
	ASSERT_EQ(m.peers.size(), 2u);
	const PeerSeries &p = m.peers[0];
	EXPECT_EQ(p.destination, "198.51.100.7:514");
	EXPECT_TRUE(p.tcp);
	EXPECT_EQ(p.acked_bytes, 700u);
	EXPECT_EQ(p.retransmits, 3u);
	EXPECT_EQ(p.connect_failures.at(ECONNREFUSED), 25u);
	EXPECT_EQ(p.connect_failures.at(0), 1u);
	EXPECT_EQ(p.last_send_ns, 400u);
	EXPECT_EQ(m.peers[1].destination, "198.51.100.8:514");
	EXPECT_EQ(m.peers[1].last_send_ns, 0u);
	EXPECT_EQ(send_bytes(m, "198.51.100.8:514"), 0u);
	EXPECT_EQ(m.sends.size(), 1u) << "no send series for a peer no send reached";
}

TEST(MetricsView, ContainersPastTheCapAreLeftOutUntilAPlaceFrees)
{
	MetricsBudget budget(MetricsLimits{10, 2});
	TargetReport a = container("a", 1), b = container("b", 2), c = container("c", 3);
	a.window.by_kind[index_of(FdKind::pipe)].bytes = 300;
	b.window.by_kind[index_of(FdKind::pipe)].bytes = 200;
	c.window.by_kind[index_of(FdKind::pipe)].bytes = 100;
	MetricsView v = budget.view(summary({a, b, c}));
	ASSERT_EQ(v.containers.size(), 2u);
	EXPECT_EQ(v.containers[0].labels.container, "a");
	EXPECT_EQ(v.containers[1].labels.container, "b");
	EXPECT_EQ(v.series_dropped, 1u);

	c.window.by_kind[index_of(FdKind::pipe)].bytes = 1000000;
	v = budget.view(summary({a, b, c}));
	EXPECT_EQ(v.containers[1].labels.container, "b") << "sticky: no container moves in or out";
	EXPECT_EQ(v.series_dropped, 1u);

	v = budget.view(summary({a, c})); // b is gone
	ASSERT_EQ(v.containers.size(), 2u);
	EXPECT_EQ(v.containers[1].labels.container, "c");
	EXPECT_EQ(v.series_dropped, 1u);
}

TEST(MetricsView, TwoCgroupsWithOneContainersLabelsAreOneSeries)
{
	// A container restarted while every cgroup is watched: the old
	// cgroup's numbers and the new one's.
	TargetReport old_life = container("router", 1), new_life = container("router", 2);
	old_life.window.by_kind[index_of(FdKind::pipe)] = {100, 1, 0};
	new_life.window.by_kind[index_of(FdKind::pipe)] = {50, 2, 0};
	send(old_life, peer(1), 10, 5);
	send(new_life, peer(1), 20, 9);
	new_life.restarts = 1;
	MetricsBudget budget;
	MetricsView v = budget.view(summary({old_life, new_life}));
	const ContainerMetrics &m = only(v);
	EXPECT_EQ(m.view(WriteView::pipe), (Counts{150, 3, 0}));
	EXPECT_EQ(send_bytes(m, "198.51.100.1:514"), 30u);
	EXPECT_EQ(m.peers.at(0).last_send_ns, 9u);
	EXPECT_EQ(v.restarts.at({"router", "docker", ""}), 1u);
}

TEST(MetricsView, MapsThatWereFull)
{
	Report r = summary({});
	r.stats.totals_full = 4;
	MetricsBudget budget;
	MetricsView v = budget.view(r);
	EXPECT_EQ(v.map_full, (std::map<std::string, std::uint64_t>{{"destinations", 0}, {"totals", 4}}));
	EXPECT_FALSE(v.delivery);
	r.delivery_stats = DeliveryStats{};
	r.delivery_stats->egress_full = 2;
	v = budget.view(r);
	EXPECT_TRUE(v.delivery);
	EXPECT_EQ(v.map_full.size(), 6u);
	EXPECT_EQ(v.map_full.at("egress"), 2u);
}

} // namespace
} // namespace bpfwatch

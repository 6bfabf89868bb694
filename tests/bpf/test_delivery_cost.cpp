// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// What the per-packet programs cost, from the kernel's own accounting
// (BPF_ENABLE_STATS: run_cnt and run_time_ns, on only while the returned
// fd is open, so no sysctl is left changed). Printed for the record; the
// bound asserted is loose, to catch a pathology, not to benchmark a VM.
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

#include "bpf/delivery_fixture.h"
#include "bpf/workload.h"
#include "support/skip.h"

namespace bpfwatch::test {
namespace {

class DeliveryCost : public DeliveryTest {};

using Costs = std::map<std::string, ProgramCost>;

Costs costs_of(const DeliveryProbe &p)
{
	Costs out;
	for (const ProgramCost &c : p.program_costs())
		out[c.name] = c;
	return out;
}

int traffic(std::uint16_t tcp_port, std::uint16_t udp_port, bool churn = true)
{
	std::uint32_t lo = htonl(INADDR_LOOPBACK);
	int fd = connect_v4(lo, tcp_port);
	WL_CHECK(fd >= 0);
	// Small writes: one segment, one ACK each, the worst case per byte.
	for (int i = 0; i < 20000; i++)
		WL_CHECK(send_bytes(fd, 512) == 0);
	WL_CHECK(wait_all_acked(fd));
	close(fd);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	sockaddr_in to{};
	to.sin_family = AF_INET;
	to.sin_port = htons(udp_port);
	to.sin_addr.s_addr = lo;
	char buf[100] = {};
	for (int i = 0; i < 20000; i++)
		WL_CHECK(sendto(u, buf, sizeof(buf), 0, (sockaddr *)&to, sizeof(to)) == sizeof(buf));
	close(u);
	// Connection churn: the state-change path, per connection.
	for (int i = 0; churn && i < 200; i++) {
		int c = connect_v4(lo, tcp_port);
		WL_CHECK(c >= 0);
		close(c);
	}
	return 0;
}

void report(const char *phase, const Costs &before, const Costs &after)
{
	for (const auto &[name, c] : after) {
		std::uint64_t runs = c.run_cnt - before.at(name).run_cnt;
		std::uint64_t ns = c.run_time_ns - before.at(name).run_time_ns;
		if (runs)
			std::printf("  %-10s %-18s %9llu runs %7.1f ns/run\n", phase, name.c_str(),
				    (unsigned long long)runs, double(ns) / runs);
	}
}

TEST_F(DeliveryCost, PerPacketProgramsStayCheap)
{
	int stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0)
		BW_SKIP_OR_FAIL("BPF_ENABLE_STATS refused");
	CgroupSandbox other("bpfwatch-dtest-other");
	attach_to_box();
	TcpSink sink;
	UdpSink udp = udp_sink_v4();

	Costs start = costs_of(*probe_);
	ASSERT_EQ(other.run([&] { return traffic(sink.port(), udp.port); }), 0);
	Costs unwatched = costs_of(*probe_);
	run([&] { return traffic(sink.port(), udp.port); });
	Costs watched = costs_of(*probe_);
	probe_->read();
	Costs sampled = costs_of(*probe_);
	close(udp.fd);
	close(stats_fd);

	std::printf("delivery program costs (this machine, one run):\n");
	report("unwatched", start, unwatched);
	report("watched", unwatched, watched);
	report("read", watched, sampled);

	auto per_run = [](const Costs &a, const Costs &b, const char *name) {
		std::uint64_t runs = b.at(name).run_cnt - a.at(name).run_cnt;
		return runs ? double(b.at(name).run_time_ns - a.at(name).run_time_ns) / runs : 0.0;
	};
	EXPECT_GT(watched.at("bw_egress").run_cnt, unwatched.at("bw_egress").run_cnt);
	EXPECT_EQ(unwatched.at("bw_egress").run_cnt, start.at("bw_egress").run_cnt)
		<< "egress runs only for the linked cgroup";
	EXPECT_LT(per_run(unwatched, watched, "bw_egress"), 5000.0);
	EXPECT_LT(per_run(unwatched, watched, "bw_tcp_probe"), 5000.0);
	EXPECT_LT(per_run(start, unwatched, "bw_tcp_probe"), 5000.0);
}

double seconds_of(const std::function<void()> &fn)
{
	auto t0 = std::chrono::steady_clock::now();
	fn();
	return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The whole workload's wall time, watched (probe and egress link on) and
// not, interleaved so the VM's drift hits both alike.
TEST_F(DeliveryCost, WallTimeWatchedVersusNot)
{
	TcpSink sink;
	UdpSink udp = udp_sink_v4();
	std::vector<double> on, off;
	for (int rep = 0; rep < 5; rep++) {
		probe_.reset();
		off.push_back(seconds_of([&] { run([&] { return traffic(sink.port(), udp.port, false); }); }));
		attach_to_box();
		on.push_back(seconds_of([&] { run([&] { return traffic(sink.port(), udp.port, false); }); }));
	}
	close(udp.fd);
	std::sort(on.begin(), on.end());
	std::sort(off.begin(), off.end());
	std::printf("workload wall time, median of 5: %.1f ms detached, %.1f ms attached (x%.3f)\n",
		    off[2] * 1e3, on[2] * 1e3, on[2] / off[2]);
	EXPECT_LT(on[2] / off[2], 3.0) << "a pathology, not a benchmark";
}

} // namespace
} // namespace bpfwatch::test

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The Prometheus text format of hand-made views: every family of
// deploy/metrics.md and no other, escaping, cumulative histograms, unix
// timestamps, and what promtool and tests/deploy/check_metric_names.py
// say of the result.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "aggregator/metrics_view.h"
#include "output/prometheus.h"
#include "support/skip.h"
#include "unit/fixtures/output/sample_report.h"

namespace bpfwatch {
namespace {

using testing::inet_dest;
using testing::log_router_report;

std::set<std::string> families_in_metrics_md()
{
	std::ifstream in(std::string(BPFWATCH_SOURCE_DIR) + "/deploy/metrics.md");
	std::set<std::string> names;
	std::regex row(R"(^\| `(bpfwatch_[a-z0-9_]+)` \|)");
	std::string line;
	std::smatch m;
	while (std::getline(in, line))
		if (std::regex_search(line, m, row))
			names.insert(m[1]);
	return names;
}

std::set<std::string> typed_families(const std::string &text)
{
	std::set<std::string> names;
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line))
		if (line.rfind("# TYPE ", 0) == 0)
			names.insert(line.substr(7, line.find(' ', 7) - 7));
	return names;
}

bool has_line(const std::string &text, const std::string &line)
{
	return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

std::size_t count_lines_starting(const std::string &text, const std::string &prefix)
{
	std::size_t n = 0;
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line))
		n += line.rfind(prefix, 0) == 0;
	return n;
}

MetricsSnapshot snapshot_of(const Report &r, MetricsLimits limits = {})
{
	MetricsBudget budget(limits);
	MetricsSnapshot s;
	s.view = budget.view(r);
	s.unix_s = 1700000000;
	s.probe_build = "btf";
	return s;
}

Report summary_of(TargetReport tr)
{
	Report r;
	r.kind = Report::Kind::Summary;
	r.now_ns = 100'000'000'000; // 100 s
	r.delivery_stats = DeliveryStats{};
	r.targets.push_back(std::move(tr));
	return r;
}

constexpr const char *kRouter =
	R"(container="log-router",runtime="docker",container_id="3f2a1c9e0b12d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d")";

TEST(Prometheus, EveryDocumentedFamilyAndNoOtherEvenWithoutSeries)
{
	std::set<std::string> documented = families_in_metrics_md();
	ASSERT_GE(documented.size(), 19u);
	std::string empty = render_prometheus(nullptr, ScrapeFacts{});
	EXPECT_EQ(typed_families(empty), documented);
	EXPECT_EQ(count_lines_starting(empty, "# HELP "), documented.size());
	EXPECT_TRUE(has_line(empty, "bpfwatch_up 0"));
	EXPECT_TRUE(has_line(empty, "bpfwatch_series_dropped_total 0"));

	std::string full = render_prometheus(nullptr, ScrapeFacts{true, 1.5, 4096});
	EXPECT_TRUE(has_line(full, "bpfwatch_up 1"));
	EXPECT_TRUE(has_line(full, "bpfwatch_process_cpu_seconds_total 1.5"));
	EXPECT_TRUE(has_line(full, "bpfwatch_process_resident_memory_bytes 4096"));
}

TEST(Prometheus, TheLogRoutersNumbers)
{
	TargetReport tr = log_router_report();
	tr.log_known = true;
	tr.window.log = {640, 10, 0};
	tr.window.detail[WriteView::socket].errnos[ECONNREFUSED] = 3;
	Endpoint collector = inet_dest(IPPROTO_TCP, "172.17.0.3", 5514);
	tr.locality[collector] = Locality::local_container;
	tr.window.destinations[collector].last_success_ns = 90'000'000'000; // 10 s before the report
	PeerDelivery &d = tr.window.delivery[collector];
	d.tcp.bytes_acked = 12000;
	d.tcp.retrans_segs = 2;
	d.tcp.connect_errors[ECONNREFUSED] = 3;
	MetricsSnapshot s = snapshot_of(summary_of(tr));
	std::string text = render_prometheus(&s, ScrapeFacts{true});
	std::string c = kRouter;
	std::string dest = c + R"(,destination="172.17.0.3:5514")";
	EXPECT_TRUE(has_line(text, "bpfwatch_write_bytes_total{" + c + R"(,kind="pipe"} 12288)")) << text;
	EXPECT_TRUE(has_line(text, "bpfwatch_write_bytes_total{" + c + R"(,kind="log"} 640)"));
	EXPECT_TRUE(has_line(text, "bpfwatch_write_calls_total{" + c + R"(,kind="stdio"} 200)"));
	EXPECT_FALSE(text.find(R"(kind="file")") != std::string::npos) << "a kind with no calls has no series";
	EXPECT_TRUE(has_line(text, "bpfwatch_write_errors_total{" + c + R"(,kind="socket",errno="ECONNREFUSED"} 3)"));
	EXPECT_TRUE(has_line(text, "bpfwatch_send_bytes_total{" + dest +
					   R"(,proto="tcp",locality="local-container"} 12288)"));
	EXPECT_TRUE(has_line(text, "bpfwatch_acked_bytes_total{" + dest + "} 12000"));
	EXPECT_TRUE(has_line(text, "bpfwatch_retransmits_total{" + dest + "} 2"));
	EXPECT_TRUE(has_line(text, "bpfwatch_connect_failures_total{" + dest + R"(,errno="ECONNREFUSED"} 3)"));
	EXPECT_TRUE(has_line(text, "bpfwatch_last_send_timestamp_seconds{" + dest + "} 1699999990.000"))
		<< "CLOCK_MONOTONIC turned into unix time at render";
	EXPECT_TRUE(has_line(text, "bpfwatch_left_host_bytes_total{" + c + "} 0"));
	EXPECT_TRUE(has_line(text, R"(bpfwatch_container_restarts_total{container="log-router",runtime="docker"} 0)"));
	EXPECT_TRUE(has_line(text, "bpfwatch_lost_records_total{" + c + "} 0"));
	EXPECT_TRUE(has_line(text, R"(bpfwatch_build_info{version=")" + std::string(BPFWATCH_VERSION) +
					   R"(",probe_build="btf"} 1)"));
	EXPECT_TRUE(has_line(text, R"(bpfwatch_map_full_total{map="sockets"} 0)"));
}

TEST(Prometheus, EachProgramBpfwatchRunsWithoutIsOne)
{
	Report r = summary_of(log_router_report());
	MetricsSnapshot whole = snapshot_of(r);
	EXPECT_TRUE(render_prometheus(&whole, ScrapeFacts{true}).find("bpfwatch_degraded{") == std::string::npos);
	r.degraded = {{"bw_egress", "packets that left the host", "no CAP_NET_ADMIN", ""},
		      {"bw_egress", "packets that left the host from x", "refused", ""}};
	MetricsSnapshot s = snapshot_of(r);
	std::string text = render_prometheus(&s, ScrapeFacts{true});
	EXPECT_TRUE(has_line(text, R"(bpfwatch_degraded{program="bw_egress"} 1)")) << text;
	EXPECT_EQ(text.find("bpfwatch_degraded{"), text.rfind("bpfwatch_degraded{")) << "one series per program";
}

TEST(Prometheus, ReadBytesPerKindOnceAKindHadAnyInput)
{
	MetricsSnapshot s = snapshot_of(summary_of(testing::docker_socket_router_report()));
	std::string text = render_prometheus(&s, ScrapeFacts{true});
	std::string c = kRouter;
	EXPECT_TRUE(has_line(text, "bpfwatch_read_bytes_total{" + c + R"(,kind="socket"} 40960)")) << text;
	EXPECT_TRUE(has_line(text, "bpfwatch_read_bytes_total{" + c + R"(,kind="file"} 512)"));
	EXPECT_EQ(text.find(R"(bpfwatch_read_bytes_total{)" + c + R"(,kind="pipe")"), std::string::npos);
}

TEST(Prometheus, HistogramBucketsAreCumulativeWithAnExactSum)
{
	TargetReport tr = log_router_report();
	Log2Histogram &h = tr.window.detail[WriteView::log].sizes;
	h.add(1, 5);
	h.add(3, 10);
	h.add(60, 385);
	tr.window.detail[WriteView::pipe].sizes.add(60, 1); // no histogram for pipe
	MetricsSnapshot s = snapshot_of(summary_of(tr));
	std::string text = render_prometheus(&s, ScrapeFacts{});
	std::string k = std::string(kRouter) + R"(,kind="log")";
	std::vector<std::pair<std::string, int>> want = {{"16", 15},     {"64", 400},     {"256", 400},
							 {"1024", 400},   {"4096", 400},   {"16384", 400},
							 {"65536", 400},  {"262144", 400}, {"1048576", 400},
							 {"+Inf", 400}};
	for (const auto &[le, n] : want)
		EXPECT_TRUE(has_line(text, "bpfwatch_write_size_bytes_bucket{" + k + ",le=\"" + le + "\"} " +
						   std::to_string(n)))
			<< "le=" << le << "\n"
			<< text;
	// The fixture's socket sends have sizes too: the same ten buckets for
	// log and socket, none for pipe.
	EXPECT_EQ(count_lines_starting(text, "bpfwatch_write_size_bytes_bucket{"), 2 * want.size());
	EXPECT_EQ(text.find("bpfwatch_write_size_bytes_bucket{" + std::string(kRouter) + R"(,kind="pipe")"),
		  std::string::npos);
	EXPECT_TRUE(has_line(text, "bpfwatch_write_size_bytes_sum{" + k + "} 23135")) << "5*1 + 10*3 + 385*60";
	EXPECT_TRUE(has_line(text, "bpfwatch_write_size_bytes_count{" + k + "} 400"));
}

TEST(Prometheus, LabelValuesAreEscaped)
{
	TargetReport tr;
	tr.target.name = "/sys\\fs \"quoted\"\nnext";
	tr.target.runtime = "cgroup";
	tr.target.cgroup_id = 9;
	tr.window.by_kind[index_of(FdKind::file)] = {1, 1, 0};
	MetricsSnapshot s = snapshot_of(summary_of(tr));
	std::string text = render_prometheus(&s, ScrapeFacts{});
	EXPECT_TRUE(has_line(text, R"(bpfwatch_write_bytes_total{container="/sys\\fs \"quoted\"\nnext",)"
				   R"(runtime="cgroup",container_id="",kind="file"} 1)"))
		<< text;
	EXPECT_EQ(escape_label_value("a\\b\"c\nd"), R"(a\\b\"c\nd)");
}

TEST(Prometheus, PodNamespaceAndTaskOnlyWhereThereIsOne)
{
	TargetReport pod;
	pod.target.name = "fluent-bit";
	pod.target.runtime = "containerd";
	pod.target.container_id = "c1";
	pod.target.pod = "fluent-bit-x7k2p";
	pod.target.pod_namespace = "logging";
	pod.target.cgroup_id = 7;
	pod.restarts = 2;
	pod.window.by_kind[index_of(FdKind::socket)] = {100, 1, 0}; // 100 bytes in 1 call
	TargetReport task = pod;
	task.target.name = "log-router";
	task.target.runtime = "docker";
	task.target.container_id = "c2";
	task.target.pod = task.target.pod_namespace = "";
	task.target.task = "arn:aws:ecs:us-west-2:111122223333:task/prod/8f03e4c2";
	task.target.cgroup_id = 8;
	Report r = summary_of(pod);
	r.targets.push_back(task);
	MetricsSnapshot s = snapshot_of(r);
	std::string text = render_prometheus(&s, ScrapeFacts{});
	EXPECT_TRUE(has_line(text, R"(bpfwatch_write_bytes_total{container="fluent-bit",runtime="containerd",)"
				   R"(container_id="c1",pod="fluent-bit-x7k2p",namespace="logging",kind="socket"} 100)"))
		<< text;
	EXPECT_TRUE(has_line(text, R"(bpfwatch_write_bytes_total{container="log-router",runtime="docker",)"
				   R"(container_id="c2",task="8f03e4c2",kind="socket"} 100)"))
		<< "the task's id, not its ARN: " << text;
	EXPECT_TRUE(has_line(text, R"(bpfwatch_container_restarts_total{container="fluent-bit",runtime="containerd",)"
				   R"(pod="fluent-bit-x7k2p",namespace="logging"} 2)"))
		<< text;
}

TEST(Prometheus, CappedDestinationsAreNPlusOther)
{
	TargetReport tr = log_router_report();
	tr.window.destinations.clear();
	for (int i = 1; i <= 15; i++) {
		Endpoint e = inet_dest(IPPROTO_UDP, ("198.51.100." + std::to_string(i)).c_str(), 514);
		tr.window.destinations[e].counts = {static_cast<std::uint64_t>(i), 1, 0};
		tr.locality[e] = Locality::remote;
	}
	MetricsSnapshot s = snapshot_of(summary_of(tr), MetricsLimits{10, 500});
	std::string text = render_prometheus(&s, ScrapeFacts{});
	EXPECT_EQ(count_lines_starting(text, "bpfwatch_send_bytes_total{"), 11u);
	EXPECT_TRUE(has_line(text, "bpfwatch_send_bytes_total{" + std::string(kRouter) +
					   R"(,destination="other",proto="udp",locality="remote"} 15)"))
		<< "1 + 2 + 3 + 4 + 5";
	EXPECT_TRUE(has_line(text, "bpfwatch_series_dropped_total 5"));
}

TEST(Prometheus, BpfRunTimeOnlyWhileTheKernelCountsIt)
{
	MetricsSnapshot s = snapshot_of(summary_of(log_router_report()));
	EXPECT_EQ(render_prometheus(&s, ScrapeFacts{}).find("bpfwatch_bpf_run_time_seconds_total{"),
		  std::string::npos);
	s.program_costs = std::vector<ProgramCost>{{"bw_sys_exit", 10, 2'500'000'000}};
	EXPECT_TRUE(has_line(render_prometheus(&s, ScrapeFacts{}),
			     R"(bpfwatch_bpf_run_time_seconds_total{program="bw_sys_exit"} 2.5)"));
}

TEST(Prometheus, ASinkThatFailsStopsTheOutput)
{
	MetricsSnapshot s = snapshot_of(summary_of(log_router_report()));
	int calls = 0;
	render_prometheus(&s, ScrapeFacts{}, [&](std::string_view) {
		calls++;
		return false;
	});
	EXPECT_EQ(calls, 1);
}

// The checkers the deploy/ artefacts are held to, on a synthetic scrape
// with every kind of series in it.
TEST(Prometheus, PromtoolAndTheMetricNameCheckerAcceptIt)
{
	if (system("command -v promtool >/dev/null 2>&1") != 0)
		BW_SKIP_OR_FAIL("promtool is missing (Debian package prometheus: sudo scripts/install-deps --test)");
	TargetReport tr = log_router_report();
	tr.log_known = true;
	tr.window.detail[WriteView::log].sizes.add(60, 10);
	tr.window.detail[WriteView::pipe].errnos[EPIPE] = 1;
	Endpoint collector = inet_dest(IPPROTO_TCP, "172.17.0.3", 5514);
	tr.window.delivery[collector].tcp.connect_errors[0] = 1;
	tr.window.destinations[collector].last_success_ns = 1;
	tr.window.destinations[inet_dest(IPPROTO_UDP, "::1", 53)].counts = {1, 1, 0};
	tr.window.destinations[Endpoint::unix_socket(SOCK_DGRAM, "/dev/log", 8)].counts = {1, 1, 0};
	MetricsSnapshot s = snapshot_of(summary_of(tr), MetricsLimits{2, 500});
	s.program_costs = std::vector<ProgramCost>{{"bw_sys_exit", 1, 1}};
	char path[] = "/tmp/bpfwatch-exposition-XXXXXX";
	int fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	std::string text = render_prometheus(&s, ScrapeFacts{true, 1, 1});
	ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
	close(fd);
	std::string file = path;
	EXPECT_EQ(system(("promtool check metrics < " + file).c_str()), 0) << text;
	std::string checker = std::string(BPFWATCH_SOURCE_DIR) + "/tests/deploy/check_metric_names.py";
	EXPECT_EQ(system(("/usr/bin/python3 " + checker + " --exposition " + file).c_str()), 0) << text;
	unlink(path);
}

} // namespace
} // namespace bpfwatch

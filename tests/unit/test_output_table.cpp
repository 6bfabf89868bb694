// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "output/output.h"
#include "output/text.h"
#include "unit/fixtures/output/sample_report.h"

namespace bpfwatch {
namespace {

using namespace bpfwatch::testing;

std::string read_fixture(const std::string &name)
{
	std::ifstream in(std::string(BPFWATCH_FIXTURES) + "/output/" + name);
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

std::vector<std::string> lines_of(const std::string &text)
{
	std::vector<std::string> lines;
	std::istringstream in(text);
	for (std::string l; std::getline(in, l);)
		lines.push_back(l);
	return lines;
}

std::string print(const Report &report, OutputOptions options = {})
{
	std::ostringstream out;
	make_table_output(out, options)->report(report);
	return out.str();
}

bool has_line(const std::string &text, const std::string &line)
{
	for (const std::string &l : lines_of(text))
		if (l == line)
			return true;
	return false;
}

void expect_fits(const std::string &text)
{
	for (const std::string &l : lines_of(text))
		EXPECT_LT(display_width(l), 80u) << "'" << l << "'";
}

TEST(OutputTable, IntervalBlock)
{
	std::string text = print(interval_of(log_router_report()));
	EXPECT_EQ(text, read_fixture("table_block_log_router.txt"));
}

TEST(OutputTable, InputBesideOutputWithTheFlowInOneLine)
{
	std::string text = print(interval_of(docker_socket_router_report()));
	expect_fits(text);
	EXPECT_TRUE(has_line(text, "  flow: in 40.0 KiB from /var/run/docker.sock (1 × EOF), out 0 B to"));
	EXPECT_TRUE(has_line(text, "    198.51.100.7:514 (37 × ECONNREFUSED)"));
	EXPECT_TRUE(has_line(text, "  kind        bytes      calls  errors    in bytes   calls  errors   eof  again"));
	EXPECT_TRUE(has_line(text, "  file          0 B          0       0       512 B       2       0     0      0"));
	EXPECT_TRUE(has_line(text, "  socket        0 B          0      37    40.0 KiB      11       0     1      4"));
	EXPECT_TRUE(has_line(text, "  total         0 B          0      37    40.5 KiB      13       0     1      4"));
	EXPECT_TRUE(has_line(text, "  source                                bytes    calls  errors"));
	EXPECT_TRUE(has_line(text, "  unix/stream /var/run/docker.sock   40.0 KiB       11       0 eof 1 EAGAIN 4"))
		<< text;
}

TEST(OutputTable, NoInputColumnsWithoutInput)
{
	std::string text = print(interval_of(log_router_report()));
	EXPECT_EQ(text.find("flow:"), std::string::npos);
	EXPECT_EQ(text.find("in bytes"), std::string::npos);
}

TEST(OutputTable, SummaryHeadingAndHistogram)
{
	Report r = interval_of(log_router_report(), 12.34);
	r.kind = Report::Kind::Summary;
	OutputOptions options;
	options.histogram = true;
	auto lines = lines_of(print(r, options));
	ASSERT_GE(lines.size(), 2u);
	EXPECT_EQ(lines[0], "=== summary after 12.3s ===");
	// A summary's block header has no interval length.
	EXPECT_EQ(lines[1], "log-router  docker 3f2a1c9e0b12  cgroup 386");
	std::string text = print(r, options);
	// One per view with successful calls, in the kinds table's order.
	auto lines_now = lines_of(text);
	std::vector<std::string> titles;
	for (const std::string &l : lines_now)
		if (l.starts_with("  bytes per call"))
			titles.push_back(l);
	EXPECT_EQ(titles, (std::vector<std::string>{"  bytes per call (log2), pipe:",
						    "  bytes per call (log2), socket:",
						    "  bytes per call (log2), stdio:"}));
	// Bars are scaled to the largest count, and as in bpftrace a count
	// under one column's worth draws none.
	const std::string gap(17, ' ');
	EXPECT_TRUE(has_line(text, "  [0, 1]" + gap + "5 |@" + std::string(49, ' ') + "|")) << text;
	EXPECT_TRUE(has_line(text, "  (2, 4]" + gap.substr(1) + "10 |@@" + std::string(48, ' ') + "|"))
		<< text;
	EXPECT_TRUE(has_line(text, "  (32, 64]" + gap.substr(4) + "195 |" + std::string(50, '@') + "|"))
		<< text;
	expect_fits(text);
}

TEST(OutputTable, CumulativeHistogramsSaySoInAnInterval)
{
	Report r = interval_of(log_router_report());
	r.sizes_since_start = true;
	OutputOptions options;
	options.histogram = true;
	std::string text = print(r, options);
	EXPECT_TRUE(has_line(text, "  bytes per call (log2), socket, since the start:")) << text;
	// Without --histogram, none.
	EXPECT_EQ(print(r).find("bytes per call"), std::string::npos);
}

TEST(OutputTable, LongNamesStayUnder80Columns)
{
	TargetReport tr = log_router_report();
	tr.target.name = std::string(120, 'n');
	std::string text = print(interval_of(tr));
	expect_fits(text);
	auto lines = lines_of(text);
	// At most 32 columns of name, the last an ellipsis; here the line's
	// 79 columns leave it 31.
	EXPECT_EQ(lines[0].substr(0, 30), std::string(30, 'n'));
	EXPECT_EQ(lines[0].substr(30, 6), "…  d");
	// The widest cgroup id leaves less room for the name, not a wider line.
	tr.target.cgroup_id = UINT64_MAX;
	lines = lines_of(print(interval_of(tr)));
	EXPECT_EQ(lines[0], std::string(13, 'n') + "…  docker 3f2a1c9e0b12  cgroup 18446744073709551615  "
							"interval 5.0s");
	EXPECT_EQ(display_width(lines[0]), 79u);

	// An unnamed cgroup is shown by its path: keep the end, which differs.
	tr.target.name = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234.slice/"
			 "cri-containerd-0123456789abcdef.scope";
	tr.target.runtime = "cgroup";
	tr.target.container_id.clear();
	lines = lines_of(print(interval_of(tr)));
	EXPECT_TRUE(lines[0].starts_with("…")) << lines[0];
	EXPECT_NE(lines[0].find("0123456789abcdef.scope  cgroup"), std::string::npos) << lines[0];
	expect_fits(print(interval_of(tr)));
}

TEST(OutputTable, LongDestinationsStayUnder80Columns)
{
	TargetReport tr = log_router_report();
	Window &w = tr.window;
	Endpoint v6 = inet_dest(IPPROTO_UDP, "2001:db8:1111:2222:3333:4444:5555:6666", 65535);
	DestinationStats &s = w.destinations[v6];
	s.counts = {1 << 20, 10, 5};
	s.errnos = {{ENETUNREACH, 4}, {EMSGSIZE, 1}};
	Endpoint sock = unix_dest("/var/run/a/very/long/path/to/syslog.soc"); // 39, the most
	sock.sotype = SOCK_STREAM;
	w.destinations[sock].counts = {1 << 19, 3, 0};
	std::string text = print(interval_of(tr));
	expect_fits(text);
	auto lines = lines_of(text);
	auto at = std::find(lines.begin(), lines.end(),
			    "  destination" + std::string(44, ' ') + "bytes    calls  errors");
	ASSERT_NE(at, lines.end()) << text;
	// The widest address takes the room of the errno brief, which moves
	// below; cut to the column, it keeps its port.
	EXPECT_EQ(at[1], "  udp [2001:db8:1111:2222:3333:4444:5555:66…]:65535    1.0 MiB       10       5");
	EXPECT_EQ(at[2], "    errnos: ENETUNREACH+1");
	EXPECT_EQ(at[3], "  unix/stream /var/run/a/very/long/path/to/syslog.…  512.0 KiB        3       0");
	EXPECT_EQ(at[4], "  tcp 172.17.0.3:5514" + std::string(33, ' ') + "12.0 KiB      200       3");
	EXPECT_EQ(at[5], "    errnos: ECONNREFUSED");
}

// --alert-silence: the block header says SILENT for as long as it lasts,
// in interval reports and in the summary.
TEST(OutputTable, SilentTargetsSayItInTheHeader)
{
	TargetReport tr = log_router_report();
	tr.silent_s = 65.4;
	auto lines = lines_of(print(interval_of(tr)));
	EXPECT_EQ(lines[0], "log-router  docker 3f2a1c9e0b12  cgroup 386  SILENT 1m05s  interval 5.0s");
	Report summary = interval_of(tr);
	summary.kind = Report::Kind::Summary;
	lines = lines_of(print(summary));
	ASSERT_GE(lines.size(), 2u);
	EXPECT_EQ(lines[1], "log-router  docker 3f2a1c9e0b12  cgroup 386" + std::string(13, ' ') + "SILENT 1m05s");
	// A long name gives way to the marker, not the width.
	tr.target.name = std::string(120, 'n');
	tr.silent_s = 4000;
	std::string text = print(interval_of(tr));
	expect_fits(text);
	EXPECT_NE(lines_of(text)[0].find("SILENT 1h06m40s  interval 5.0s"), std::string::npos) << text;
	tr.silent_s.reset();
	EXPECT_EQ(print(interval_of(tr)).find("SILENT"), std::string::npos);
}

// A followed target: how many lives it had, and whether it is down now.
TEST(OutputTable, AFollowedTargetSaysItsRestartsAndWhenItIsDown)
{
	TargetReport tr = log_router_report();
	tr.restarts = 2;
	tr.state = "running";
	auto lines = lines_of(print(interval_of(tr)));
	EXPECT_EQ(lines[0], "log-router  docker 3f2a1c9e0b12  cgroup 386  restarts 2  interval 5.0s");
	tr.state = "stopped";
	tr.silent_s = 40;
	std::string text = print(interval_of(tr));
	expect_fits(text);
	EXPECT_NE(lines_of(text)[0].find("restarts 2  STOPPED  SILENT 40.0s  interval 5.0s"), std::string::npos)
		<< text;
	tr.state = "removed";
	tr.silent_s.reset();
	EXPECT_NE(print(interval_of(tr)).find("REMOVED"), std::string::npos);
}

// A pod's or a task's container: which one, in the header, giving way to
// the name before the name gives way.
TEST(OutputTable, PodAndTaskInTheHeader)
{
	TargetReport tr = log_router_report();
	tr.target.name = "fluent-bit";
	tr.target.runtime = "containerd";
	tr.target.pod = "fluent-bit-x7k2p";
	tr.target.pod_namespace = "logging";
	auto lines = lines_of(print(interval_of(tr)));
	// The id gives way first: the pod names it better.
	EXPECT_EQ(lines[0], "fluent-bit  containerd  pod logging/fluent-bit-x7k2p  cgroup 386  interval 5.0s");
	tr.target.pod = tr.target.pod_namespace = "";
	tr.target.runtime = "docker";
	tr.target.task = "arn:aws:ecs:us-west-2:111122223333:task/prod/8f03e4c2";
	lines = lines_of(print(interval_of(tr)));
	EXPECT_EQ(lines[0], "fluent-bit  docker 3f2a1c9e0b12  task 8f03e4c2  cgroup 386  interval 5.0s");
	tr.target.name = std::string(40, 'n');
	tr.target.task = "arn:aws:ecs:us-west-2:111122223333:task/prod/" + std::string(32, 'f');
	std::string text = print(interval_of(tr));
	expect_fits(text);
	EXPECT_NE(lines_of(text)[0].find("task " + std::string(32, 'f')), std::string::npos) << text;
}

TEST(OutputTable, TopDestinationsAndTheRest)
{
	TargetReport tr = log_router_report();
	for (int i = 1; i <= 7; i++)
		tr.window.destinations[inet_dest(IPPROTO_UDP, "10.0.0.1", 1000 + i)]
			.counts = {std::uint64_t(i) * 100, 1, 0};
	tr.window.destinations_overflow = 42;
	OutputOptions options;
	options.top_destinations = 3;
	std::string text = print(interval_of(tr), options);
	auto lines = lines_of(text);
	auto at = std::find(lines.begin(), lines.end(),
			    "  destination                        bytes    calls  errors");
	ASSERT_NE(at, lines.end()) << text;
	EXPECT_TRUE(at[1].starts_with("  tcp 172.17.0.3:5514 "));
	EXPECT_TRUE(at[2].starts_with("  udp 10.0.0.1:1007 "));
	EXPECT_TRUE(at[3].starts_with("  udp 10.0.0.1:1006 "));
	// 100..500 bytes, one call each, for 1001..1005.
	EXPECT_EQ(at[4], "  … 5 more: 1.5 KiB, 5 calls, 0 errors");
	EXPECT_EQ(at[5], "  + 42 calls (0 B) to destinations past the per-container bound, not itemised");
	expect_fits(text);
}

TEST(OutputTable, ErrorsSortedByCount)
{
	TargetReport tr = log_router_report();
	tr.window.errnos = {{EPIPE, 1}, {ECONNREFUSED, 3}, {EAGAIN, 7}};
	EXPECT_TRUE(has_line(print(interval_of(tr)), "  errors: EAGAIN 7, ECONNREFUSED 3, EPIPE 1"));
}

TEST(OutputTable, LostEventsSayWhatIsIncomplete)
{
	TargetReport tr = log_router_report();
	tr.window.lost_events = 17;
	std::string text = print(interval_of(tr));
	expect_fits(text);
	EXPECT_TRUE(has_line(text, "  lost events: 17 — destinations, errors and histogram are incomplete"))
		<< text;
	EXPECT_TRUE(has_line(text, "    for this interval; totals are exact")) << text;
}

TEST(OutputTable, IdleTargetNoteAndWarning)
{
	TargetReport tr;
	tr.target = log_router();
	tr.note = "container exited";
	Report r = interval_of(tr);
	r.stats.totals_full = 12;
	std::string text = print(r);
	expect_fits(text);
	auto lines = lines_of(text);
	ASSERT_GE(lines.size(), 2u);
	EXPECT_EQ(lines[0], "warning: 12 calls not counted: kernel totals map full (watch fewer cgroups)");
	EXPECT_TRUE(has_line(text, "  no writes or sends"));
	EXPECT_TRUE(has_line(text, "  note: container exited"));
	EXPECT_FALSE(has_line(text, "  kind        bytes      calls  errors"));
}

Record socket_event()
{
	Record e{};
	e.ts_ns = 1'000'000'000;
	e.cgroup_id = 386;
	e.ret = 61;
	e.pid = 4242;
	e.tid = 4243;
	e.syscall = Syscall::sendto;
	e.kind = FdKind::socket;
	std::strcpy(e.comm.data(), "fluent-bit");
	e.endpoint = inet_dest(IPPROTO_TCP, "172.17.0.3", 5514);
	return e;
}

TEST(OutputTable, EventLines)
{
	std::ostringstream out;
	auto output = make_table_output(out, {});
	Record ok = socket_event();
	output->record(ok, log_router());
	Record failed = socket_event();
	failed.ts_ns += 2'000'000;
	failed.ret = -ECONNREFUSED;
	failed.syscall = Syscall::sendmmsg;
	output->record(failed, log_router());
	Record pipe{};
	pipe.ret = 4096;
	pipe.pid = 1234567;
	pipe.syscall = Syscall::write;
	pipe.kind = FdKind::pipe;
	std::memcpy(pipe.comm.data(), "bad\xff\x1bname-is-long!!", 16); // no NUL: all 16 bytes
	output->record(pipe, log_router());

	auto lines = lines_of(out.str());
	ASSERT_EQ(lines.size(), 4u);
	EXPECT_EQ(lines[0],
		  "TIME(s)  CONTAINER  PID     COMM            SYSCALL    KIND    BYTES DESTINATION");
	EXPECT_EQ(lines[1],
		  "0.000    log-router 4242    fluent-bit      sendto     socket     61 tcp 172.17.0.3:5514");
	EXPECT_EQ(lines[2], "0.002    log-router 4242    fluent-bit      sendmmsg   socket "
			    "-ECONNREFUSED tcp 172.17.0.3:5514");
	// No timestamp: a blank TIME; a comm with odd bytes is made printable.
	EXPECT_EQ(lines[3], "         log-router 1234567 bad??name-is-lon write      pipe     4096");
	EXPECT_LE(display_width(lines[0]), 80u);
}

TEST(OutputTable, Notice)
{
	std::ostringstream out;
	make_table_output(out, {})->notice("exit", log_router(), "container exited");
	EXPECT_EQ(out.str(), "note: log-router: container exited\n");
}

TEST(OutputTable, DegradedProgramsGetALineEachInEveryReport)
{
	Report r = interval_of(log_router_report());
	r.degraded = {{"bw_retransmit", "TCP retransmits", "the kernel's verifier rejected it", ""}};
	std::string text = print(r);
	EXPECT_TRUE(has_line(text, "degraded: running without bw_retransmit: not counted: TCP retransmits (the"))
		<< text;
	expect_fits(text);
	r.degraded.clear();
	EXPECT_EQ(print(r).find("degraded"), std::string::npos);
}

} // namespace
} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "output/output.h"
#include "unit/fixtures/output/sample_report.h"

namespace bpfwatch {
namespace {

using namespace bpfwatch::testing;
using nlohmann::json;

std::vector<json> parse_lines(const std::string &text)
{
	std::vector<json> out;
	std::istringstream in(text);
	for (std::string l; std::getline(in, l);)
		out.push_back(json::parse(l)); // throws, failing the test, on bad JSON
	return out;
}

std::vector<json> emit(const Report &report)
{
	std::ostringstream out;
	make_json_output(out)->report(report);
	return parse_lines(out.str());
}

std::vector<std::string> keys_of(const json &j)
{
	std::vector<std::string> keys;
	for (auto it = j.begin(); it != j.end(); ++it)
		keys.push_back(it.key());
	return keys;
}

json counts(std::uint64_t bytes, std::uint64_t calls, std::uint64_t errors)
{
	return {{"bytes", bytes}, {"calls", calls}, {"errors", errors}};
}

TEST(OutputJson, InputIsShapedLikeTheOutputFields)
{
	const json j = emit(interval_of(docker_socket_router_report()))[0];
	const json &in = j["input"];
	ASSERT_TRUE(in.is_object());
	json socket = {{"bytes", 40960}, {"calls", 11}, {"errors", 0}, {"eof", 1}, {"again", 4}};
	EXPECT_EQ(in["by_kind"]["socket"], socket);
	EXPECT_EQ(in["by_kind"]["file"]["bytes"], 512);
	EXPECT_EQ(in["by_kind"]["pipe"]["calls"], 0);
	EXPECT_EQ(in["totals"]["bytes"], 40960 + 512);
	EXPECT_EQ(in["eof"], 1);
	EXPECT_EQ(in["again"], 4);
	EXPECT_EQ(in["errors"], json::object());
	ASSERT_EQ(in["sources"].size(), 1u);
	const json &s = in["sources"][0];
	EXPECT_EQ(s["endpoint"], "unix/stream /var/run/docker.sock");
	EXPECT_EQ(s["address"], "/var/run/docker.sock");
	EXPECT_EQ(s["bytes"], 40960);
	EXPECT_EQ(s["eof"], 1);
	EXPECT_TRUE(s["last_read_age_s"].is_null());
	// The output fields are what they were.
	EXPECT_EQ(j["totals"], counts(0, 0, 37));
	EXPECT_EQ(j["destinations"][0]["errnos"]["ECONNREFUSED"], 37);
}

TEST(OutputJson, InputIsNullWithoutTheInputSide)
{
	Report r = interval_of(docker_socket_router_report());
	r.input = false;
	EXPECT_TRUE(emit(r)[0]["input"].is_null());
}

TEST(OutputJson, SummaryShape)
{
	Report r = interval_of(log_router_report(), 12.3456);
	r.kind = Report::Kind::Summary;
	std::ostringstream out;
	make_json_output(out)->report(r);
	// One object per line; written in a stable key order for people.
	EXPECT_TRUE(out.str().starts_with(R"({"type":"summary","container":"log-router","runtime":"docker",)"))
		<< out.str();
	auto lines = parse_lines(out.str());
	ASSERT_EQ(lines.size(), 1u);
	const json &j = lines[0];

	EXPECT_EQ(keys_of(j), (std::vector<std::string>{
				      "by_kind", "cgroup_id", "cgroup_path", "container", "container_id",
				      "degraded", "delivery_overflow", "destinations", "destinations_overflow", "detail_complete",
				      "duration_s", "errors", "histogram",
				      "histograms", "histograms_since_start", "input", "log", "lost_events", "namespace", "pod", "restarts",
				      "runtime", "silent_s", "state", "stdio", "task", "totals", "type"}));
	EXPECT_EQ(j["pod"], nullptr) << "a plain Docker container is in no pod";
	EXPECT_EQ(j["namespace"], nullptr);
	EXPECT_EQ(j["task"], nullptr);
	EXPECT_TRUE(j["log"].is_null()) << "the log pipes of this report are not known";
	EXPECT_TRUE(j["restarts"].is_null()) << "not a followed target";
	EXPECT_TRUE(j["state"].is_null());
	EXPECT_TRUE(j["silent_s"].is_null()) << "not silent (no --alert-silence)";
	EXPECT_EQ(j["type"], "summary");
	EXPECT_EQ(j["container"], "log-router");
	EXPECT_EQ(j["runtime"], "docker");
	EXPECT_EQ(j["container_id"], log_router().container_id);
	EXPECT_EQ(j["cgroup_id"], 386);
	EXPECT_EQ(j["cgroup_path"], "/docker/" + log_router().container_id);
	EXPECT_DOUBLE_EQ(j["duration_s"].get<double>(), 12.346);
	EXPECT_EQ(j["totals"], counts(24576, 400, 3));
	EXPECT_EQ(j["by_kind"], (json{{"pipe", counts(12288, 200, 0)},
				      {"file", counts(0, 0, 0)},
				      {"socket", counts(12288, 200, 3)},
				      {"tty", counts(0, 0, 0)},
				      {"other", counts(0, 0, 0)}}));
	EXPECT_EQ(j["stdio"], counts(12288, 200, 0));
	json dest = {{"proto", "tcp"},    {"family", "ipv4"}, {"address", "172.17.0.3"},
		     {"port", 5514},      {"endpoint", "tcp 172.17.0.3:5514"},
		     {"bytes", 12288},    {"calls", 200},
		     {"errors", 3},       {"errnos", {{"ECONNREFUSED", 3}}}};
	EXPECT_EQ(j["destinations"], json::array({dest}));
	EXPECT_EQ(j["errors"], (json{{"ECONNREFUSED", 3}}));
	EXPECT_EQ(j["histogram"], json::parse(R"([{"le":1,"count":5},{"le":2,"count":0},
		{"le":4,"count":10},{"le":8,"count":0},{"le":16,"count":0},{"le":32,"count":0},
		{"le":64,"count":385}])"));
	EXPECT_EQ(j["lost_events"], 0);
	EXPECT_EQ(j["detail_complete"], true);
}

TEST(OutputJson, HistogramsByKindBesideTheOneHistogram)
{
	Report r = interval_of(log_router_report());
	json j = emit(r)[0];
	// Every fd kind, [] when none succeeded; stdio; log null while the
	// log pipes are not known.
	EXPECT_EQ(keys_of(j["histograms"]),
		  (std::vector<std::string>{"file", "log", "other", "pipe", "socket", "stdio", "tty"}));
	EXPECT_EQ(j["histograms"]["pipe"], json::parse(R"([{"le":1,"count":5},{"le":2,"count":0},
		{"le":4,"count":0},{"le":8,"count":0},{"le":16,"count":0},{"le":32,"count":0},
		{"le":64,"count":195}])"));
	EXPECT_EQ(j["histograms"]["socket"], json::parse(R"([{"le":1,"count":0},{"le":2,"count":0},
		{"le":4,"count":10},{"le":8,"count":0},{"le":16,"count":0},{"le":32,"count":0},
		{"le":64,"count":190}])"));
	EXPECT_EQ(j["histograms"]["stdio"], j["histograms"]["pipe"]);
	EXPECT_EQ(j["histograms"]["file"], json::array());
	EXPECT_TRUE(j["histograms"]["log"].is_null());
	EXPECT_EQ(j["histograms_since_start"], false);
	// The one histogram is unchanged: every call of every kind.
	EXPECT_EQ(j["histogram"].back(), (json{{"le", 64}, {"count", 385}}));

	r.targets[0].log_known = true;
	r.targets[0].window.detail[WriteView::log].sizes.add(27, 4);
	r.sizes_since_start = true; // --histogram cumulative
	j = emit(r)[0];
	EXPECT_EQ(j["histograms"]["log"].back(), (json{{"le", 32}, {"count", 4}}));
	EXPECT_EQ(j["histograms_since_start"], true);
	r.kind = Report::Kind::Summary;
	r.sizes_since_start = false;
	EXPECT_EQ(emit(r)[0]["histograms_since_start"], true) << "a summary's are since the start";
}

// --alert-silence: after the alert, every report says how long the
// container has been silent, until bytes go out again.
TEST(OutputJson, SilentTargetsCarrySilentSeconds)
{
	TargetReport tr = log_router_report();
	tr.silent_s = 31.23456;
	Report r = interval_of(tr);
	r.targets.push_back(log_router_report()); // not silent
	auto lines = emit(r);
	ASSERT_EQ(lines.size(), 2u);
	EXPECT_DOUBLE_EQ(lines[0]["silent_s"].get<double>(), 31.235);
	EXPECT_TRUE(lines[1]["silent_s"].is_null());
	r.kind = Report::Kind::Summary;
	EXPECT_DOUBLE_EQ(emit(r)[0]["silent_s"].get<double>(), 31.235);
}

TEST(OutputJson, IntervalOrderingUnixNoteAndLoss)
{
	TargetReport tr = log_router_report();
	tr.target.container_id.clear();
	tr.note = "container exited";
	tr.window.lost_events = 9;
	tr.window.histogram = {};
	DestinationStats &s = tr.window.destinations[unix_dest("/dev/log")];
	s.counts = {1 << 20, 4, 0};
	Report r = interval_of(tr);
	TargetReport idle;
	idle.target.name = "idle";
	r.targets.push_back(idle);

	auto lines = emit(r);
	ASSERT_EQ(lines.size(), 2u);
	const json &j = lines[0];
	EXPECT_EQ(j["type"], "interval");
	EXPECT_EQ(j["container_id"], "");
	EXPECT_DOUBLE_EQ(j["duration_s"].get<double>(), 5.0);
	EXPECT_EQ(j["note"], "container exited");
	EXPECT_EQ(j["lost_events"], 9);
	EXPECT_EQ(j["detail_complete"], false);
	EXPECT_EQ(j["histogram"], json::array());
	// Sorted by bytes: the 1 MiB unix peer first.
	ASSERT_EQ(j["destinations"].size(), 2u);
	EXPECT_EQ(j["destinations"][0],
		  (json{{"proto", "dgram"}, {"family", "unix"}, {"address", "/dev/log"}, {"port", 0},
			{"endpoint", "unix/dgram /dev/log"}, {"bytes", 1 << 20}, {"calls", 4}, {"errors", 0},
			{"errnos", json::object()}}));
	EXPECT_EQ(j["destinations"][1]["address"], "172.17.0.3");

	const json &empty = lines[1];
	EXPECT_EQ(empty["container"], "idle");
	EXPECT_FALSE(empty.contains("note"));
	EXPECT_EQ(empty["by_kind"].size(), 5u);
	EXPECT_EQ(empty["by_kind"]["tty"], counts(0, 0, 0));
	EXPECT_EQ(empty["stdio"], counts(0, 0, 0));
	EXPECT_EQ(empty["destinations"], json::array());
	EXPECT_EQ(empty["errors"], json::object());
}

TEST(OutputJson, DegradedListsWhatIsNotCountedAndANoticeSaysItOnce)
{
	Report r = interval_of(log_router_report());
	EXPECT_EQ(emit(r)[0]["degraded"], json::array()) << "everything runs";
	Degraded d{"bw_egress", "packets that left the host (egress and left-the-host bytes)",
		   "bpfwatch lacks CAP_NET_ADMIN, which cgroup_skb programs need", "log"};
	r.degraded = {d};
	auto lines = emit(r);
	ASSERT_EQ(lines.size(), 1u);
	EXPECT_EQ(lines[0]["degraded"], (json::array({{{"program", "bw_egress"},
						      {"not_covered", d.not_covered},
						      {"why", d.why}}})));

	std::ostringstream out;
	make_json_output(out)->degraded(d);
	auto notice = parse_lines(out.str());
	ASSERT_EQ(notice.size(), 1u);
	EXPECT_EQ(notice[0]["type"], "notice");
	EXPECT_EQ(notice[0]["kind"], "degraded");
	EXPECT_EQ(notice[0]["program"], "bw_egress");
	EXPECT_EQ(notice[0]["message"], "running without bw_egress: not counted: packets that left the host (egress "
					"and left-the-host bytes) (bpfwatch lacks CAP_NET_ADMIN, which cgroup_skb "
					"programs need)");
}

TEST(OutputJson, WarningWhenTotalsMapIsFull)
{
	Report r = interval_of(log_router_report());
	r.stats.totals_full = 12;
	auto lines = emit(r);
	ASSERT_EQ(lines.size(), 2u);
	EXPECT_EQ(lines[0]["type"], "warning");
	EXPECT_EQ(lines[0]["kind"], "totals_full");
	EXPECT_EQ(lines[0]["calls_not_counted"], 12);
	EXPECT_EQ(lines[1]["type"], "interval");
}

Record event_of(std::int64_t ret)
{
	Record e{};
	e.ts_ns = 123456789;
	e.cgroup_id = 386;
	e.ret = ret;
	e.pid = 4242;
	e.tid = 4243;
	e.syscall = Syscall::sendto;
	e.kind = FdKind::socket;
	e.fd = 7;
	std::strcpy(e.comm.data(), "fluent-bit");
	e.endpoint = inet_dest(IPPROTO_TCP, "172.17.0.3", 5514);
	return e;
}

TEST(OutputJson, SocketEvent)
{
	std::ostringstream out;
	make_json_output(out)->record(event_of(61), log_router());
	auto lines = parse_lines(out.str());
	ASSERT_EQ(lines.size(), 1u);
	EXPECT_EQ(lines[0], json::parse(R"({"type":"event","ts_ns":123456789,"container":"log-router",
		"cgroup_id":386,"pid":4242,"tid":4243,"comm":"fluent-bit","syscall":"sendto",
		"kind":"socket","fd":7,"bytes":61,"destination":{"proto":"tcp","family":"ipv4",
		"address":"172.17.0.3","port":5514,"endpoint":"tcp 172.17.0.3:5514"}})"));
}

TEST(OutputJson, FailedEventAndOddComm)
{
	Record e = event_of(-EPIPE);
	e.kind = FdKind::pipe;
	e.syscall = Syscall::write;
	e.endpoint = {};
	e.fd = 1;
	std::memcpy(e.comm.data(), "w\xff\xfe\x01rker/0:1-event", 16);
	std::ostringstream out;
	make_json_output(out)->record(e, log_router());
	auto lines = parse_lines(out.str());
	ASSERT_EQ(lines.size(), 1u);
	EXPECT_EQ(lines[0]["errno"], "EPIPE");
	EXPECT_FALSE(lines[0].contains("bytes"));
	EXPECT_FALSE(lines[0].contains("destination"));
	EXPECT_EQ(lines[0]["kind"], "pipe");
	EXPECT_EQ(lines[0]["fd"], 1);
	EXPECT_EQ(lines[0]["comm"], "w???rker/0:1-eve");
}

TEST(OutputJson, InvalidUtf8InNamesDoesNotThrow)
{
	TargetReport tr = log_router_report();
	tr.target.name = "/weird\xff\xfe.scope";
	std::ostringstream out;
	ASSERT_NO_THROW(make_json_output(out)->report(interval_of(tr)));
	auto lines = parse_lines(out.str());
	ASSERT_EQ(lines.size(), 1u);
	EXPECT_TRUE(lines[0]["container"].get<std::string>().starts_with("/weird"));
}

TEST(OutputJson, Notice)
{
	std::ostringstream out;
	make_json_output(out)->notice("exit", log_router(), "container exited");
	EXPECT_EQ(out.str(),
		  R"({"type":"notice","kind":"exit","container":"log-router","message":"container exited"})"
		  "\n");
}

TEST(OutputJson, AFollowedTargetSaysItsRestartsAndState)
{
	TargetReport tr = log_router_report();
	tr.restarts = 2;
	tr.state = "stopped";
	std::ostringstream out;
	make_json_output(out)->report(interval_of(tr));
	auto j = parse_lines(out.str()).at(0);
	EXPECT_EQ(j["restarts"], 2);
	EXPECT_EQ(j["state"], "stopped");
}

} // namespace
} // namespace bpfwatch

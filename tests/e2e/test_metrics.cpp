// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// --metrics for real: a log-router container writes exactly N bytes to its
// log and sends exactly M to a TCP sink on the Docker bridge (whose own
// count is the ground truth); bpfwatch serves them; a real Prometheus
// server, started here on loopback, scrapes it every second, and its
// query API must return exactly N and M. The live exposition passes
// promtool and tests/deploy/check_metric_names.py (every metric the alert
// rules and the dashboard query is exported); the destination cap holds;
// a port in use or an address not on this host is one line and exit 2
// before anything is loaded.
#include <curl/curl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <regex>
#include <sstream>

#include "e2e/e2e_support.h"
#include "support/skip.h"
#include "util/fd.h"

namespace bpfwatch::e2e {
namespace {

using namespace std::chrono_literals;

constexpr int kLines = 50;
constexpr const char *kLine = "log-router line 0123456789"; // + '\n' = 27 bytes
constexpr std::uint64_t kLogBytes = kLines * 27;
constexpr std::uint64_t kSinkBytes = 10000;
constexpr int kSinkPort = 5514;
// The cardinality test: more destinations than the cap.
constexpr int kCapPorts = 6, kCap = 3, kFirstCapPort = 6001;

std::string url_encode(const std::string &s)
{
	std::unique_ptr<CURL, void (*)(CURL *)> curl(curl_easy_init(), curl_easy_cleanup);
	char *e = curl_easy_escape(curl.get(), s.c_str(), static_cast<int>(s.size()));
	std::string out = e;
	curl_free(e);
	return out;
}

// The samples of an exposition: "name{labels}" -> value.
std::map<std::string, double> samples(const std::string &exposition)
{
	std::map<std::string, double> out;
	std::istringstream in(exposition);
	std::string line;
	while (std::getline(in, line)) {
		auto space = line.rfind(' ');
		if (line.empty() || line[0] == '#' || space == std::string::npos)
			continue;
		out[line.substr(0, space)] = std::stod(line.substr(space + 1));
	}
	return out;
}

std::string write_file(const std::string &path, const std::string &text)
{
	std::ofstream(path) << text;
	return path;
}

// A Prometheus server of the test's own: loopback, a free port, its own
// storage, scraping one target every second.
class PrometheusServer {
public:
	PrometheusServer(const std::string &dir, std::uint16_t target_port) : port_(free_loopback_port())
	{
		std::string config = write_file(dir + "/prometheus.yml",
						"global:\n"
						"  scrape_interval: 1s\n"
						"  evaluation_interval: 1s\n"
						"scrape_configs:\n"
						"  - job_name: bpfwatch\n"
						"    scrape_interval: 1s\n"
						"    scrape_timeout: 1s\n"
						"    static_configs:\n"
						"      - targets: ['127.0.0.1:" +
							std::to_string(target_port) + "']\n");
		server_ = std::make_unique<Subprocess>(std::vector<std::string>{
			sh_out("command -v prometheus"), "--config.file=" + config,
			"--storage.tsdb.path=" + dir + "/data", "--web.listen-address=127.0.0.1:" + std::to_string(port_),
			"--log.level=warn"});
	}

	bool ready(std::chrono::milliseconds timeout)
	{
		return eventually([&] { return http_get(base() + "/-/ready").status == 200; }, timeout);
	}
	// The value of an instant query that yields one series; nothing otherwise.
	std::optional<double> query(const std::string &promql)
	{
		Reply r = http_get(base() + "/api/v1/query?query=" + url_encode(promql));
		auto j = nlohmann::json::parse(r.body, nullptr, false);
		if (j.is_discarded() || j.value("status", "") != "success")
			return std::nullopt;
		const auto &result = j["data"]["result"];
		if (!result.is_array() || result.size() != 1)
			return std::nullopt;
		return std::stod(result[0]["value"][1].get<std::string>());
	}
	std::string log() const { return server_->err(); }

private:
	std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }

	std::uint16_t port_;
	std::unique_ptr<Subprocess> server_;
};

class Metrics : public ::testing::Test {
protected:
	void SetUp() override
	{
		require_docker();
		if (IsSkipped() || HasFailure())
			return;
		tag_ = std::to_string(getpid());
		dir_ = "/tmp/bpfwatch-e2e-metrics-" + tag_;
		mkdir(dir_.c_str(), 0755);
		mkdir((dir_ + "/trigger").c_str(), 0755);
		// One listener per port; each prints "PORT BYTES" when its
		// sender closes: the ground truth. busybox nc stops reading at
		// EOF on its own stdin: sleep keeps that open.
		std::string listeners;
		for (int p : ports())
			listeners += "sleep 3600 | nc -l -p " + std::to_string(p) + " | { n=$(wc -c); echo \"" +
				     std::to_string(p) + " $n\"; } & ";
		sink_ = std::make_unique<Container>("bwtest-msink-" + tag_, "", listeners + "sleep 3600");
		sink_ip_ = sink_->ip();
		ASSERT_FALSE(sink_ip_.empty());
		// Test traffic stays on this host: the sink must sit behind docker0.
		ASSERT_NE(sh_out("ip route get " + sink_ip_).find("dev docker0"), std::string::npos);
		metrics_port_ = free_loopback_port();
		ASSERT_NE(metrics_port_, 0);
	}

	void TearDown() override
	{
		router_.reset();
		sink_.reset();
		if (!dir_.empty())
			sh("rm -rf " + dir_);
	}

	static std::vector<int> ports()
	{
		std::vector<int> p = {kSinkPort};
		for (int i = 0; i < kCapPorts; i++)
			p.push_back(kFirstCapPort + i);
		return p;
	}

	// The router runs `work` once the test creates the trigger file (on a
	// read-only bind mount: the watched container is not touched).
	void start_router(const std::string &work)
	{
		router_ = std::make_unique<Container>("bwtest-mrouter-" + tag_, "-v " + dir_ + "/trigger:/trigger:ro",
						      "while [ ! -e /trigger/go ]; do sleep 0.1; done; " + work +
							      "; sleep 3600");
	}
	void trigger() { std::ofstream(dir_ + "/trigger/go") << "go"; }

	// What the sink received on each port, once every sender closed.
	std::map<int, std::uint64_t> sink_counts(std::size_t expected)
	{
		std::map<int, std::uint64_t> got;
		eventually(
			[&] {
				got.clear();
				std::istringstream in(sink_->logs());
				int port;
				std::uint64_t n;
				while (in >> port >> n)
					got[port] = n;
				return got.size() >= expected;
			},
			20s);
		return got;
	}

	std::unique_ptr<Subprocess> start_bpfwatch(std::vector<std::string> extra = {})
	{
		std::vector<std::string> argv = {BPFWATCH_BINARY, "--container", router_->name(), "--output", "none",
						 "--metrics", "127.0.0.1:" + std::to_string(metrics_port_)};
		argv.insert(argv.end(), extra.begin(), extra.end());
		auto bw = std::make_unique<Subprocess>(argv);
		EXPECT_TRUE(bw->wait_for_stderr("watching", 20s)) << bw->err();
		return bw;
	}
	std::string metrics_url(const std::string &path) const
	{
		return "http://127.0.0.1:" + std::to_string(metrics_port_) + path;
	}

	std::string tag_, dir_, sink_ip_;
	std::uint16_t metrics_port_ = 0;
	std::unique_ptr<Container> sink_, router_;
};

TEST_F(Metrics, PrometheusQueriesReturnExactlyWhatTheContainerWroteAndSent)
{
	if (sh("command -v prometheus promtool >/dev/null").status != 0)
		BW_SKIP_OR_FAIL("prometheus and promtool are missing (sudo scripts/install-deps --test)");
	start_router("i=0; while [ $i -lt " + std::to_string(kLines) + " ]; do echo \"" + kLine +
		     "\"; i=$((i+1)); done; head -c " + std::to_string(kSinkBytes) + " /dev/zero | nc " + sink_ip_ +
		     " " + std::to_string(kSinkPort));
	auto bw = start_bpfwatch();
	Reply health = http_get(metrics_url("/healthz"));
	EXPECT_EQ(health.status, 200);
	EXPECT_EQ(health.body, "ok\n");

	PrometheusServer prom(dir_, metrics_port_);
	ASSERT_TRUE(prom.ready(60s)) << prom.log();
	trigger();
	std::map<int, std::uint64_t> sink = sink_counts(1);
	ASSERT_EQ(sink[kSinkPort], kSinkBytes) << "the ground truth";

	std::string router = router_->name();
	std::string log_q = "bpfwatch_write_bytes_total{kind=\"log\",container=\"" + router + "\"}";
	std::string send_q = "bpfwatch_send_bytes_total{container=\"" + router + "\",destination=\"" + sink_ip_ +
			     ":" + std::to_string(kSinkPort) + "\"}";
	std::optional<double> log_bytes, sent;
	eventually(
		[&] {
			log_bytes = prom.query(log_q);
			sent = prom.query(send_q);
			return log_bytes == double(kLogBytes) && sent == double(sink[kSinkPort]);
		},
		30s);
	ASSERT_TRUE(log_bytes && sent) << prom.log();
	std::cout << "Prometheus says: " << log_q << " = " << *log_bytes << " (written: " << kLogBytes << "); "
		  << send_q << " = " << *sent << " (the sink got " << sink[kSinkPort] << ")\n";
	EXPECT_EQ(*log_bytes, double(kLogBytes)) << log_q;
	EXPECT_EQ(*sent, double(sink[kSinkPort])) << send_q;
	EXPECT_EQ(prom.query("up{job=\"bpfwatch\"}"), 1.0);
	EXPECT_EQ(prom.query("bpfwatch_up"), 1.0);
	EXPECT_EQ(prom.query("bpfwatch_write_size_bytes_count{kind=\"log\",container=\"" + router + "\"}"),
		  double(kLines))
		<< "one log write per line, each 27 bytes";

	bw->signal(SIGTERM);
	EXPECT_EQ(bw->wait(10s), 0) << bw->err();
	EXPECT_EQ(bw->out(), "") << "--output none prints nothing";
}

// The deploy/ artefacts wired to the real thing: a live scrape (with
// sends, acks, a histogram and errors in it) is what promtool and
// check_metric_names.py --exposition accept, and every metric the alert
// rules and the dashboard query is exported.
TEST_F(Metrics, LiveExpositionPassesPromtoolAndTheDeployChecks)
{
	if (sh("command -v promtool >/dev/null").status != 0)
		BW_SKIP_OR_FAIL("promtool is missing (sudo scripts/install-deps --test)");
	// Some log lines, a send, and a connect refused (nothing on 6999).
	start_router("echo \"" + std::string(kLine) + "\"; head -c 1000 /dev/zero | nc " + sink_ip_ + " " +
		     std::to_string(kSinkPort) + "; nc " + sink_ip_ + " 6999 </dev/null; echo done");
	auto bw = start_bpfwatch();
	trigger();
	ASSERT_EQ(sink_counts(1)[kSinkPort], 1000u);
	std::string exposition;
	eventually(
		[&] {
			exposition = http_get(metrics_url("/metrics")).body;
			return exposition.find("bpfwatch_connect_failures_total{") != std::string::npos &&
			       exposition.find("bpfwatch_acked_bytes_total{") != std::string::npos;
		},
		20s);
	std::string file = write_file(dir_ + "/scrape.prom", exposition);
	for (const char *family : {"bpfwatch_write_size_bytes_bucket{", "bpfwatch_send_bytes_total{",
				   "bpfwatch_connect_failures_total{", "bpfwatch_last_send_timestamp_seconds{"})
		EXPECT_NE(exposition.find(family), std::string::npos) << family << " has no series:\n" << exposition;
	CommandResult lint = sh("promtool check metrics < " + file + " 2>&1");
	EXPECT_EQ(lint.status, 0) << lint.out;
	CommandResult names = sh("/usr/bin/python3 " BPFWATCH_SOURCE_DIR
				 "/tests/deploy/check_metric_names.py --exposition " +
				 file + " 2>&1");
	EXPECT_EQ(names.status, 0) << names.out;
	std::cout << names.out;
	bw->signal(SIGTERM);
	EXPECT_EQ(bw->wait(10s), 0);
}

TEST_F(Metrics, DestinationsPastTheCapAreSummedUnderOther)
{
	std::string work;
	std::uint64_t total = 0;
	for (int i = 1; i <= kCapPorts; i++) {
		work += "head -c " + std::to_string(100 * i) + " /dev/zero | nc " + sink_ip_ + " " +
			std::to_string(kFirstCapPort + i - 1) + "; ";
		total += 100 * i;
	}
	start_router(work + "true");
	auto bw = start_bpfwatch({"--metrics-destinations", std::to_string(kCap)});
	trigger();
	std::map<int, std::uint64_t> sink = sink_counts(kCapPorts);
	ASSERT_EQ(sink.size(), std::size_t(kCapPorts));

	// Series of the router's sends: destination -> bytes.
	std::string prefix = "bpfwatch_send_bytes_total{container=\"" + router_->name() + "\",";
	std::regex dest_re("destination=\"([^\"]*)\"");
	std::map<std::string, double> by_dest;
	double dropped = -1;
	eventually(
		[&] {
			by_dest.clear();
			double sum = 0;
			for (const auto &[series, value] : samples(http_get(metrics_url("/metrics")).body)) {
				std::smatch m;
				if (series == "bpfwatch_series_dropped_total")
					dropped = value;
				if (series.rfind(prefix, 0) == 0 && std::regex_search(series, m, dest_re)) {
					by_dest[m[1]] += value;
					sum += value;
				}
			}
			return sum == double(total);
		},
		20s);
	ASSERT_EQ(by_dest.size(), std::size_t(kCap + 1)) << "exactly N destinations and other";
	ASSERT_TRUE(by_dest.count("other"));
	double own = 0;
	for (const auto &[dest, bytes] : by_dest) {
		if (dest == "other")
			continue;
		int port = std::stoi(dest.substr(dest.rfind(':') + 1));
		EXPECT_EQ(bytes, double(sink[port])) << dest << ": its own series holds exactly what the sink got";
		own += bytes;
	}
	EXPECT_EQ(by_dest["other"], double(total) - own) << "other holds the rest, exactly";
	for (const auto &[dest, bytes] : by_dest)
		std::cout << "destination=\"" << dest << "\" " << bytes << "\n";
	std::cout << "bpfwatch_series_dropped_total " << dropped << "\n";
	EXPECT_EQ(dropped, double(kCapPorts - kCap)) << "each destination past the cap counted once";
	bw->signal(SIGTERM);
	EXPECT_EQ(bw->wait(10s), 0);
}

// The node daemon: every container, nothing printed, healthy until
// SIGTERM, within its memory bound, the port free again after.
TEST_F(Metrics, HeadlessDaemonWatchesEveryContainerUntilSigterm)
{
	start_router("true");
	std::string where = "127.0.0.1:" + std::to_string(metrics_port_);
	Subprocess bw({BPFWATCH_BINARY, "--output", "none", "--metrics", where});
	ASSERT_TRUE(bw.wait_for_stderr("watching every container", 20s)) << bw.err();
	EXPECT_NE(bw.err().find("metrics on http://" + where + "/metrics"), std::string::npos) << bw.err();
	Reply health = http_get(metrics_url("/healthz"));
	EXPECT_EQ(health.status, 200) << health.body;
	auto s = samples(http_get(metrics_url("/metrics")).body);
	EXPECT_EQ(s["bpfwatch_up"], 1.0);
	EXPECT_GT(s["bpfwatch_process_resident_memory_bytes"], 0);
	EXPECT_LT(s["bpfwatch_process_resident_memory_bytes"], 40.0 * 1024 * 1024);
	bw.signal(SIGTERM);
	EXPECT_EQ(bw.wait(10s), 0) << bw.err();
	EXPECT_EQ(bw.out(), "");
	EXPECT_EQ(http_get(metrics_url("/healthz")).status, 0) << "nothing listens any more";
}

// Errors need neither root nor Docker: the bind comes first.
std::vector<std::string> lines_of(const std::string &text)
{
	std::vector<std::string> out;
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line))
		out.push_back(line);
	return out;
}

TEST(MetricsErrors, APortInUseIsOneLineAndExitTwoBeforeAnythingIsLoaded)
{
	UniqueFd holder(socket(AF_INET, SOCK_STREAM, 0));
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT_EQ(bind(holder.get(), reinterpret_cast<sockaddr *>(&a), sizeof(a)), 0);
	ASSERT_EQ(listen(holder.get(), 1), 0);
	socklen_t len = sizeof(a);
	getsockname(holder.get(), reinterpret_cast<sockaddr *>(&a), &len);
	std::string where = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
	// -vv would show libbpf's log and the runtime lookups, had any run;
	// a container that does not exist would be the error, had it been
	// looked up.
	Subprocess bw({BPFWATCH_BINARY, "-vv", "--container", "bwtest-no-such-container", "--metrics", where});
	EXPECT_EQ(bw.wait(20s), 2);
	EXPECT_EQ(lines_of(bw.err()), std::vector<std::string>{"bpfwatch: cannot listen on " + where +
								 ": Address already in use"});
	EXPECT_EQ(bw.out(), "");
}

TEST(MetricsErrors, AnAddressNotOnThisHostIsOneLineAndExitTwo)
{
	// TEST-NET-3 (203.0.113.0/24): on no interface of a test machine.
	Subprocess bw({BPFWATCH_BINARY, "-vv", "--output", "none", "--metrics", "203.0.113.77:9477"});
	EXPECT_EQ(bw.wait(20s), 2);
	EXPECT_EQ(lines_of(bw.err()), std::vector<std::string>{"bpfwatch: cannot listen on 203.0.113.77:9477: "
								 "Cannot assign requested address"});
	Subprocess bad({BPFWATCH_BINARY, "--metrics", "logs.example:9477"});
	EXPECT_EQ(bad.wait(20s), 2);
	EXPECT_EQ(lines_of(bad.err()).size(), 1u) << bad.err();
}

} // namespace
} // namespace bpfwatch::e2e

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// bpfwatch-bench-metrics: what --metrics costs with many containers. A
// synthetic model (the aggregator fed records and kernel totals for N
// containers x D destinations, as the session would), the report and
// metrics view made from it once a second in the daemon, and the real
// server scraped over loopback, plain and gzip (Prometheus asks for gzip).
// Prints the time to build a view, to render it, each scrape's latency,
// the exposition's size and the process's RSS at each step. No root, no
// BPF: the numbers of the exporter alone (docs/PERFORMANCE.md).
#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "aggregator/aggregator.h"
#include "aggregator/metrics_view.h"
#include "output/prometheus.h"
#include "serve/metrics_server.h"
#include "targets/cgroup.h"
#include "util/fd.h"

namespace {

using namespace bpfwatch;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0)
{
	return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// CPU time, which a loaded machine stretches far less than wall time.
double thread_cpu_ms()
{
	timespec ts{};
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double process_cpu_ms()
{
	timespec ts{};
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// VmRSS and VmHWM of this process, in MiB.
std::pair<double, double> rss_mib()
{
	std::ifstream in("/proc/self/status");
	std::string key;
	double rss = 0, hwm = 0, kib;
	while (in >> key) {
		if (key == "VmRSS:" && in >> kib)
			rss = kib / 1024;
		else if (key == "VmHWM:" && in >> kib)
			hwm = kib / 1024;
	}
	return {rss, hwm};
}

void print_rss(const char *step)
{
	auto [rss, hwm] = rss_mib();
	std::printf("  RSS %-34s %6.1f MiB (peak %.1f MiB)\n", step, rss, hwm);
}

struct Model {
	Aggregator agg{256, false}; // headless: no interval windows
	std::map<std::uint64_t, Target> targets;
};

// What a log router does, N times over: log lines to its stdout pipe (also
// stdio and log), sends to D remote TCP destinations with a few refusals,
// acknowledged and retransmitted bytes, egress.
void build_model(Model &m, int containers, int destinations, int records_per_container)
{
	for (int c = 0; c < containers; c++) {
		std::uint64_t cg = 1000 + c;
		Target &t = m.targets[cg];
		t.name = "app-" + std::to_string(c);
		t.runtime = "docker";
		char id[65];
		std::snprintf(id, sizeof(id), "%064x", c + 1);
		t.container_id = id;
		t.cgroup_id = cg;
		KernelTotals kt;
		PeerMap peers;
		for (int r = 0; r < records_per_container; r++) {
			Record rec;
			rec.cgroup_id = cg;
			bool sock = r % 2;
			rec.kind = sock ? FdKind::socket : FdKind::pipe;
			rec.ret = (r % 50 == 49) ? -ECONNREFUSED : 40 + (r * 37) % 400;
			rec.stdio = rec.log = !sock;
			if (sock) {
				std::uint32_t ip = htonl(0xC6336400u + 1 + (r / 2) % destinations); // 198.51.100.x
				rec.endpoint = Endpoint::ip(IpAddress::v4(ip), IPPROTO_TCP, 514);
			}
			m.agg.add(rec.cgroup_id, rec, 1'000'000'000ull + r);
			Counts &k = kt.by_kind[index_of(rec.kind)];
			if (rec.ret >= 0) {
				k.bytes += rec.ret;
				k.calls++;
			} else {
				k.errors++;
			}
			if (!sock)
				kt.stdio = kt.log = k;
		}
		for (int d = 0; d < destinations; d++) {
			std::uint32_t ip = htonl(0xC6336400u + 1 + d);
			PeerDelivery &p = peers[Endpoint::ip(IpAddress::v4(ip), IPPROTO_TCP, 514)];
			p.tcp.bytes_acked = 100000 + d;
			p.tcp.retrans_segs = d;
			p.tcp.connect_attempts = 3;
			p.tcp.connect_errors[ECONNREFUSED] = 1;
			p.egress = {100, 150000};
		}
		m.agg.set_totals({{cg, kt}});
		m.agg.set_delivery({{cg, peers}});
	}
}

// As Session::report_frame and each_target_report do for the publisher:
// one target's window since the start at a time, each peer placed.
Report frame()
{
	Report r;
	r.kind = Report::Kind::Summary;
	r.now_ns = 2'000'000'000ull;
	r.delivery_stats = DeliveryStats{};
	return r;
}

template <class F>
void each_target(const Model &m, F &&each)
{
	for (const auto &[cg, w] : m.agg.since_start()) {
		TargetReport tr;
		tr.target = m.targets.at(cg);
		tr.window = w;
		tr.log_known = true;
		for (const auto &[peer, d] : w.delivery)
			tr.locality[peer] = Locality::remote;
		each(std::move(tr));
	}
}

MetricsView publish(MetricsBudget &budget, const Model &m)
{
	budget.begin(frame());
	each_target(m, [&](TargetReport &&tr) { budget.add(tr); });
	return budget.finish();
}

std::uint16_t free_port()
{
	UniqueFd fd(socket(AF_INET, SOCK_STREAM, 0));
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd.get(), reinterpret_cast<sockaddr *>(&a), sizeof(a));
	socklen_t len = sizeof(a);
	getsockname(fd.get(), reinterpret_cast<sockaddr *>(&a), &len);
	return ntohs(a.sin_port);
}

struct Scrape {
	double ms = 0;
	double server_cpu_ms = 0;
	double bytes_on_wire = 0;
	std::size_t body_bytes = 0;
};

Scrape scrape(const std::string &url, bool gzip)
{
	Scrape s;
	std::string body;
	std::unique_ptr<CURL, void (*)(CURL *)> curl(curl_easy_init(), curl_easy_cleanup);
	curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
	if (gzip)
		curl_easy_setopt(curl.get(), CURLOPT_ACCEPT_ENCODING, "gzip");
	curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, +[](char *p, size_t, size_t n, void *out) {
		static_cast<std::string *>(out)->append(p, n);
		return n;
	});
	curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
	auto t0 = Clock::now();
	if (curl_easy_perform(curl.get()) != CURLE_OK)
		return s;
	s.ms = ms_since(t0);
	curl_off_t wire = 0;
	curl_easy_getinfo(curl.get(), CURLINFO_SIZE_DOWNLOAD_T, &wire);
	s.bytes_on_wire = static_cast<double>(wire);
	s.body_bytes = body.size();
	return s;
}

std::string fetch(const std::string &url)
{
	std::string body;
	std::unique_ptr<CURL, void (*)(CURL *)> curl(curl_easy_init(), curl_easy_cleanup);
	curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
	curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, +[](char *p, size_t, size_t n, void *out) {
		static_cast<std::string *>(out)->append(p, n);
		return n;
	});
	curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
	curl_easy_perform(curl.get());
	return body;
}

void report_scrapes(const char *what, std::vector<Scrape> runs)
{
	std::sort(runs.begin(), runs.end(), [](const Scrape &a, const Scrape &b) { return a.ms < b.ms; });
	auto at = [&](double q) { return runs[std::min(runs.size() - 1, std::size_t(q * runs.size()))].ms; };
	std::vector<double> cpu;
	for (const Scrape &r : runs)
		cpu.push_back(r.server_cpu_ms);
	std::sort(cpu.begin(), cpu.end());
	std::string server_cpu = cpu.back() > 0 ? fmt::format("server CPU median {:5.1f} ms; ", cpu[cpu.size() / 2]) : "";
	std::printf("  scrape %-5s x%-3zu %swall min %5.1f median %5.1f p90 %5.1f max %5.1f ms; %.2f MB sent\n", what,
		    runs.size(), server_cpu.c_str(), runs.front().ms, at(0.5), at(0.9), runs.back().ms,
		    runs.front().bytes_on_wire / 1e6);
}

// The scrapes come from a child forked before anything else: its buffers
// (megabytes per scrape) stay out of the RSS measured here.
struct Client {
	pid_t pid = -1;
	int go = -1, results = -1;
};

Client fork_client(const std::string &url, int scrapes, const std::vector<bool> &encodings)
{
	int go[2], res[2];
	if (pipe(go) || pipe(res))
		std::exit(1);
	Client c;
	c.pid = fork();
	if (c.pid == 0) {
		close(go[1]);
		close(res[0]);
		char b;
		if (read(go[0], &b, 1) != 1)
			_exit(0);
		for (int i = 0; i < scrapes; i++)
			for (bool gzip : encodings) {
				Scrape s = scrape(url, gzip);
				if (write(res[1], &s, sizeof(s)) != sizeof(s))
					_exit(1);
			}
		_exit(0);
	}
	close(go[0]);
	close(res[1]);
	c.go = go[1];
	c.results = res[0];
	return c;
}

} // namespace

// --live N: the real daemon (`bpfwatch --output none --metrics`, watching
// every cgroup) with N busy cgroups of this benchmark's own, each of which
// wrote to a pipe and sent to `destinations` loopback UDP ports; its RSS
// from /proc and its scrape latency. Root; everything it made is removed.
double daemon_mib(pid_t pid, const char *key)
{
	std::ifstream in("/proc/" + std::to_string(pid) + "/status");
	std::string k;
	double kib;
	while (in >> k)
		if (k == key && in >> kib)
			return kib / 1024;
	return 0;
}

void busy_cgroups(const std::vector<std::string> &dirs, int destinations)
{
	int fds[2];
	if (pipe(fds))
		_exit(1);
	int udp = socket(AF_INET, SOCK_DGRAM, 0);
	char buf[200] = {};
	for (const std::string &dir : dirs) {
		std::ofstream(dir + "/cgroup.procs") << getpid() << std::flush;
		for (int i = 0; i < 10; i++) {
			if (write(fds[1], buf, 100) != 100 || read(fds[0], buf, sizeof(buf)) != 100)
				_exit(1);
		}
		for (int d = 0; d < destinations; d++) {
			sockaddr_in to{};
			to.sin_family = AF_INET;
			to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			to.sin_port = htons(static_cast<std::uint16_t>(47000 + d)); // nothing listens: sendto still succeeds
			sendto(udp, buf, sizeof(buf), 0, reinterpret_cast<sockaddr *>(&to), sizeof(to));
		}
	}
}

int live(int n, int destinations, std::size_t cap, int scrapes)
{
	if (geteuid() != 0) {
		std::fprintf(stderr, "--live needs root (it runs bpfwatch)\n");
		return 2;
	}
	std::string root = detect_cgroup2_root();
	std::string base = root + "/bpfwatch-bench-metrics-" + std::to_string(getpid());
	std::string origin = root + cgroup_path_of_pid(getpid());
	if (mkdir(base.c_str(), 0755))
		return 1;
	std::vector<std::string> dirs;
	for (int i = 0; i < n; i++) {
		dirs.push_back(base + "/c" + std::to_string(i));
		mkdir(dirs.back().c_str(), 0755);
	}
	ListenAddress where{"127.0.0.1", free_port()};
	pid_t daemon = fork();
	if (daemon == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execl(BPFWATCH_BINARY, BPFWATCH_BINARY, "--output", "none", "--metrics", where.to_string().c_str(),
		      "--metrics-containers", std::to_string(cap).c_str(), static_cast<char *>(nullptr));
		_exit(127);
	}
	std::string url = "http://" + where.to_string();
	auto healthy = [&] {
		for (int i = 0; i < 300; i++) { // 30 s
			Scrape s = scrape(url + "/healthz", false);
			if (s.body_bytes == 3)
				return true;
			usleep(100000);
		}
		return false;
	};
	int rc = 1;
	if (healthy()) {
		pid_t worker = fork();
		if (worker == 0) {
			busy_cgroups(dirs, destinations);
			std::ofstream(origin + "/cgroup.procs") << getpid() << std::flush;
			_exit(0);
		}
		waitpid(worker, nullptr, 0);
		// Until every cgroup of ours is in a scrape, or as many as the cap
		// leaves room for beside the host's own (the same count for 3 s;
		// bounded: 60 s).
		std::string marker = "bpfwatch_lost_records_total{container=\"/bpfwatch-bench-metrics-";
		std::size_t seen = 0, same = 0;
		for (int i = 0; i < 600 && seen < std::size_t(n) && same < 30; i++) {
			std::string body = fetch(url + "/metrics");
			std::size_t now = 0;
			for (auto at = body.find(marker); at != std::string::npos; at = body.find(marker, at + 1))
				now++;
			same = now == seen && now > 0 ? same + 1 : 0;
			seen = now;
			usleep(100000);
		}
		std::printf("bpfwatch --output none --metrics, %zu of %d busy cgroups exported, %d destinations each\n",
			    seen, n, destinations);
		std::vector<Scrape> plain, gzip;
		for (int i = 0; i < scrapes; i++) {
			plain.push_back(scrape(url + "/metrics", false));
			gzip.push_back(scrape(url + "/metrics", true));
		}
		report_scrapes("plain", plain);
		report_scrapes("gzip", gzip);
		std::printf("  daemon RSS %.1f MiB (peak %.1f MiB)\n", daemon_mib(daemon, "VmRSS:"),
			    daemon_mib(daemon, "VmHWM:"));
		rc = 0;
	} else {
		std::fprintf(stderr, "bpfwatch did not become healthy within 30 s\n");
	}
	kill(daemon, SIGTERM);
	waitpid(daemon, nullptr, 0);
	for (const std::string &dir : dirs)
		rmdir(dir.c_str());
	rmdir(base.c_str());
	return rc;
}

int main(int argc, char **argv)
{
	int containers = 1000, destinations = 5, scrapes = 20, records = 400;
	CLI::App app("bpfwatch-bench-metrics: the cost of --metrics with many containers (no root, no BPF)");
	app.add_option("--containers", containers, "Synthetic containers")->check(CLI::PositiveNumber);
	app.add_option("--destinations", destinations, "Remote TCP destinations per container")
		->check(CLI::Range(1, 250));
	app.add_option("--records", records, "Calls per container fed to the aggregator")->check(CLI::PositiveNumber);
	app.add_option("--scrapes", scrapes, "Scrapes of each kind")->check(CLI::PositiveNumber);
	std::string encodings = "plain,gzip";
	app.add_option("--encodings", encodings, "plain, gzip or plain,gzip");
	std::size_t cap = MetricsLimits{}.containers;
	app.add_option("--metrics-containers", cap, "The container cap (bpfwatch's default: 500)")
		->check(CLI::PositiveNumber);
	int live_cgroups = 0;
	app.add_option("--live", live_cgroups,
		       "Instead: run the real daemon with this many busy cgroups of its own (root)")
		->check(CLI::PositiveNumber);
	bool print = false;
	app.add_flag("--print", print, "Print the exposition of the synthetic model and exit");
	CLI11_PARSE(app, argc, argv);
	std::vector<bool> kinds;
	if (encodings.find("plain") != std::string::npos)
		kinds.push_back(false);
	if (encodings.find("gzip") != std::string::npos)
		kinds.push_back(true);

	if (live_cgroups)
		return live(live_cgroups, destinations, cap, scrapes);
	if (print) {
		Model model;
		build_model(model, containers, destinations, records);
		MetricsBudget budget(MetricsLimits{10, cap});
		MetricsSnapshot snap;
		snap.view = publish(budget, model);
		snap.unix_s = 1.7e9;
		snap.probe_build = "btf";
		std::fputs(render_prometheus(&snap, ScrapeFacts{true, 1, 1}).c_str(), stdout);
		return 0;
	}
	ListenAddress where{"127.0.0.1", free_port()};
	Client client = fork_client("http://" + where.to_string() + "/metrics", scrapes, kinds);

	std::printf("bpfwatch-bench-metrics: %d containers x %d destinations, %d calls each; "
		    "--metrics-containers %zu\n",
		    containers, destinations, records, cap);
	print_rss("at start");
	Model model;
	auto t0 = Clock::now();
	build_model(model, containers, destinations, records);
	std::printf("  model built in %.0f ms\n", ms_since(t0));
	print_rss("with the model (aggregator)");

	// What the watch loop does once a second.
	MetricsBudget budget(MetricsLimits{10, cap});
	std::vector<double> publish_ms, publish_cpu;
	std::shared_ptr<MetricsSnapshot> snap;
	for (int i = 0; i < 11; i++) {
		double c0 = thread_cpu_ms();
		t0 = Clock::now();
		auto next = std::make_shared<MetricsSnapshot>();
		next->view = publish(budget, model);
		next->unix_s = 1.7e9;
		next->probe_build = "btf";
		snap = std::move(next);
		malloc_trim(0); // as the publisher does
		publish_ms.push_back(ms_since(t0));
		publish_cpu.push_back(thread_cpu_ms() - c0);
	}
	std::sort(publish_ms.begin(), publish_ms.end());
	std::sort(publish_cpu.begin(), publish_cpu.end());
	std::printf("  publish (once a second in the daemon): median %.1f ms CPU (%.1f ms wall)\n", publish_cpu[5],
		    publish_ms[5]);
	print_rss("with a published snapshot");


	std::vector<double> render_ms, render_cpu;
	std::size_t size = 0, lines = 0;
	for (int i = 0; i < 5; i++) {
		double c0 = thread_cpu_ms();
		// Into a sink that counts, as the server streams it: no copy.
		size = lines = 0;
		t0 = Clock::now();
		render_prometheus(snap.get(), ScrapeFacts{true, 1, 1}, [&](std::string_view piece) {
			size += piece.size();
			lines += static_cast<std::size_t>(std::count(piece.begin(), piece.end(), '\n'));
			return true;
		});
		render_ms.push_back(ms_since(t0));
		render_cpu.push_back(thread_cpu_ms() - c0);
	}
	std::sort(render_ms.begin(), render_ms.end());
	std::sort(render_cpu.begin(), render_cpu.end());
	std::printf("  render alone: median %.1f ms CPU (%.1f ms wall), %.2f MB, %zu lines (%.1f per container)\n",
		    render_cpu[2], render_ms[2], size / 1e6, lines, double(lines) / containers);
	print_rss("after rendering");

	MetricsServer server(where);
	server.start();
	server.publish(snap);
	server.tick();
	server.set_attached(true);
	if (write(client.go, "g", 1) != 1)
		return 1;
	std::vector<Scrape> plain, gzip;
	Scrape s;
	double cpu0 = process_cpu_ms();
	for (int i = 0; read(client.results, &s, sizeof(s)) == sizeof(s); i++) {
		// The server's CPU for this scrape: this process's, less nothing
		// else (the client is another process; the main thread waits).
		double cpu1 = process_cpu_ms();
		s.server_cpu_ms = cpu1 - cpu0;
		cpu0 = cpu1;
		(kinds[i % kinds.size()] ? gzip : plain).push_back(s);
		server.tick();
	}
	waitpid(client.pid, nullptr, 0);
	if (!plain.empty())
		report_scrapes("plain", plain);
	if (!gzip.empty())
		report_scrapes("gzip", gzip);
	print_rss("after the scrapes (server side)");
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "bpfobj.h"
#include "util.h"

namespace bench {
namespace {

struct Written {
	std::uint64_t calls = 0;
	double seconds = 0;
};

// Writes 64 B to @fd for @seconds at @rate calls/s (0: as fast as it can),
// pacing per 64 calls; bounded by time. With @read_fd, reads 64 B from it
// after each write (both are calls).
Written write_for(int fd, double rate, double seconds, int read_fd = -1)
{
	char buf[64] = {};
	Written w;
	const std::uint64_t t0 = now_ns(), end = t0 + std::uint64_t(seconds * 1e9);
	std::uint64_t bad = 0, now = t0;
	while (now < end) {
		for (int i = 0; i < 64; i++) {
			bad += write(fd, buf, sizeof(buf)) != sizeof(buf);
			if (read_fd >= 0)
				bad += read(read_fd, buf, sizeof(buf)) != sizeof(buf);
		}
		w.calls += read_fd >= 0 ? 128 : 64;
		now = now_ns();
		if (rate > 0) {
			double due = (now - t0) * rate / 1e9;
			double ahead_ns = (w.calls - due) / rate * 1e9;
			if (ahead_ns > 50e3) {
				timespec ts{0, long(std::min(ahead_ns, 5e6))};
				nanosleep(&ts, nullptr);
				now = now_ns();
			}
		}
		if ((w.calls & 0x3fff) == 0)
			check_stop();
	}
	w.seconds = (now - t0) / 1e9;
	if (bad)
		throw std::runtime_error("streaming writer: " + std::to_string(bad) + " calls failed");
	return w;
}

std::uint64_t calls_of(const bpfwatch::KernelTotals &t)
{
	std::uint64_t n = 0;
	for (const bpfwatch::Counts &k : t.by_kind)
		n += k.calls + k.errors;
	for (const bpfwatch::InputCounts &k : t.in_kind)
		n += k.calls + k.errors + k.again;
	return n;
}

std::uint64_t status_kib(pid_t pid, const char *key)
{
	std::string v = field_of(read_file("/proc/" + std::to_string(pid) + "/status"), key);
	return v.empty() ? 0 : std::stoull(v);
}

void run_in_process(Env &env, const StreamOptions &opt, StreamReport &out)
{
	ProbeState probe(env.cgroups.watched_id(), env.probe_build);
	probe.enter();
	out.probe_kernel_bytes = probe.kernel_memory_bytes();
	auto measure = [&](double rate, bool reads) {
		check_stop();
		StreamRun r;
		r.consumer = "in-process";
		r.target_rate = rate;
		r.reads = reads;
		bpfwatch::KernelTotals t0 = probe.totals();
		std::uint64_t rec0 = probe.records(), cpu0 = probe.consumer_cpu_ns();
		Written w = write_for(env.workloads.devnull_fd(), rate, opt.seconds,
				      reads ? env.workloads.zero_fd() : -1);
		// Let the consumer catch up: every counted call is then either a
		// record received or a record lost (bounded wait).
		bpfwatch::KernelTotals t1 = probe.totals();
		for (int i = 0; i < 20; i++) {
			probe.flush();
			t1 = probe.totals();
			if (probe.records() - rec0 + (t1.lost_records - t0.lost_records) >= calls_of(t1) - calls_of(t0))
				break;
		}
		r.seconds = w.seconds;
		r.calls = w.calls;
		r.counted = calls_of(t1) - calls_of(t0);
		r.lost = t1.lost_records - t0.lost_records;
		r.records = probe.records() - rec0;
		r.cpu_ns = probe.consumer_cpu_ns() - cpu0;
		out.runs.push_back(r);
	};
	for (double rate : opt.rates)
		measure(rate, false);
	measure(0, true);
	probe.leave();
}

// The summary bpfwatch prints at exit (JSON lines): calls counted and
// records lost for @cgid; false when there is none.
bool read_summary(const std::string &path, std::uint64_t cgid, StreamRun &r)
{
	std::istringstream in(read_file(path));
	std::string line;
	bool found = false;
	while (std::getline(in, line)) {
		auto j = nlohmann::json::parse(line, nullptr, false);
		if (j.is_discarded() || j.value("type", "") != "summary" || j.value("cgroup_id", 0ull) != cgid)
			continue;
		r.counted = j["totals"].value("calls", 0ull) + j["totals"].value("errors", 0ull);
		if (j.contains("input") && j["input"].is_object()) {
			const auto &in = j["input"]["totals"];
			r.counted += in.value("calls", 0ull) + in.value("errors", 0ull) + in.value("again", 0ull);
		}
		r.lost = j.value("lost_events", 0ull);
		found = true;
	}
	return found;
}

// One bpfwatch process per rate: its own summary (the tool's interface,
// whatever the kernel-side layout) gives counted calls and lost records.
// With --events its stdout is a line per record: it goes through a pipe
// to `tail -n 4`, which keeps only the end, where the summary is (like
// `bpfwatch --events | consumer`; /dev/null would hide the summary).
void run_binary(Env &env, const StreamOptions &opt, bool events, double rate, StreamReport &out, bool reads = false)
{
	check_stop();
	std::string sink = env.tmpdir + "/bpfwatch-stream.json";
	std::unique_ptr<Child> tail;
	Fd pipe_w;
	if (events) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) != 0)
			fail_errno("pipe2", errno);
		Fd pipe_r(p[0]);
		pipe_w = Fd(p[1]);
		fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
		tail = std::make_unique<Child>(std::vector<std::string>{"tail", "-n", "4"}, env.cgroups.origin_procs(),
					       sink, env.tmpdir + "/tail.stderr", pipe_r.get());
	}
	ToolRun tool(env, bpfwatch_argv(env, events), sink, Readiness{true, 0}, pipe_w.get());
	tool.enter();
	pipe_w = Fd(); // the tool holds the only write end now
	const pid_t pid = tool.tool_pid();
	out.binary_kernel_bytes = map_memlock_of(pid);
	StreamRun r;
	r.consumer = events ? "bpfwatch --events" : "bpfwatch";
	r.target_rate = rate;
	r.reads = reads;
	std::uint64_t cpu0 = cpu_ns_of_process(pid);
	Written w = write_for(env.workloads.devnull_fd(), rate, opt.seconds, reads ? env.workloads.zero_fd() : -1);
	// The tool reads its ring at least every 100 ms: let it finish what
	// it was sent before its CPU time is read.
	sleep_ms(300);
	r.cpu_ns = cpu_ns_of_process(pid) - cpu0;
	r.rss_kib = status_kib(pid, "VmRSS");
	r.hwm_kib = status_kib(pid, "VmHWM");
	r.seconds = w.seconds;
	r.calls = w.calls;
	r.saturated = r.cpu_ns > 0.9 * w.seconds * 1e9; // one consumer thread
	// SIGTERM: bpfwatch drains its ring, prints its summary and exits.
	std::string err;
	int status = tool.finish(std::chrono::seconds(15), &err);
	if (tail) {
		// EOF once the tool is gone: tail prints and exits (bounded).
		for (int i = 0; i < 500 && tail->running(); i++)
			sleep_ms(20);
		tail->stop();
	}
	if (!read_summary(sink, env.cgroups.watched_id(), r)) {
		std::string text = read_file(sink);
		throw std::runtime_error(std::string("bpfwatch") + (events ? " --events" : "") +
					 " printed no summary for the bench cgroup (wait status " +
					 std::to_string(status) + ", stderr: " + err + "); its output ended with: " +
					 text.substr(text.size() > 300 ? text.size() - 300 : 0));
	}
	// The summary also counts the pokes before the run: a handful.
	r.records = w.calls > r.lost ? w.calls - r.lost : 0;
	out.runs.push_back(r);
}

} // namespace

double StreamRun::cpu_pct_per_100k() const
{
	return records ? double(cpu_ns) / records * 1e5 / 1e9 * 100 : 0;
}

StreamReport run_streaming(Env &env, const StreamOptions &opt)
{
	StreamReport out;
	run_in_process(env, opt, out);
	for (double rate : {100e3, 0.0})
		run_binary(env, opt, false, rate, out);
	run_binary(env, opt, false, 0, out, true);
	for (double rate : {100e3, 0.0})
		run_binary(env, opt, true, rate, out);
	return out;
}

} // namespace bench

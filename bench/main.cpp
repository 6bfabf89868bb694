// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// bpfwatch-bench: what bpfwatch costs the calls it watches, side by side
// with nothing attached, a trivial floor program and bpftrace, and how it
// streams (GitHub issue #5). Run as root through scripts/bench; see
// docs/PERFORMANCE.md for what every number means.
#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "bpfobj.h"
#include "cgroup.h"
#include "latency.h"
#include "profile.h"
#include "probe/libbpf_log.h"
#include "report.h"
#include "states.h"
#include "stream.h"
#include "util.h"

namespace bench {
namespace {

struct Options {
	bool quick = false;
	std::string json_path;
	int rounds = 0, reps = 0, batch = 0, cpu = -2;
	unsigned seed = 1;
	double time_limit = 0, stream_seconds = 0;
	std::vector<std::string> states, profile;
	double profile_seconds = 2;
	std::string profile_workload = "devnull";
	bool no_stats = false, no_stream = false, stats_off = false;
	std::string bpfwatch = BPFWATCH_BINARY, bpftrace = "bpftrace", git;
	std::string probe_build = "auto";
};

std::string first_line_of_command(const std::string &cmd)
{
	std::string out;
	if (FILE *f = popen(cmd.c_str(), "r")) {
		char buf[256];
		if (fgets(buf, sizeof(buf), f))
			out = buf;
		pclose(f);
	}
	while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
		out.pop_back();
	return out;
}

std::string find_in_path(const std::string &name)
{
	if (name.find('/') != std::string::npos)
		return access(name.c_str(), X_OK) == 0 ? name : "";
	std::istringstream path(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	std::string dir;
	while (std::getline(path, dir, ':'))
		if (!dir.empty() && access((dir + "/" + name).c_str(), X_OK) == 0)
			return dir + "/" + name;
	return "";
}

Machine describe_machine(const Options &o, const std::string &bpftrace)
{
	Machine m;
	utsname u{};
	uname(&u);
	m.kernel = u.release;
	m.hostname = u.nodename;
	m.nproc = sysconf(_SC_NPROCESSORS_ONLN);
	m.cpu_model = field_of(read_file("/proc/cpuinfo"), "model name");
	if (m.cpu_model.empty())
		m.cpu_model = "unknown CPU";
	m.git = o.git;
	if (!bpftrace.empty())
		m.bpftrace_version = first_line_of_command(bpftrace + " --version 2>/dev/null");
	std::string s = read_file("/proc/sys/kernel/bpf_stats_enabled");
	m.bpf_stats_sysctl = s.empty() ? "" : s.substr(0, 1);
	return m;
}

// Programs that run on every syscall exit (or near it) slow every state a
// little and make it noisier: name them.
std::vector<std::string> tracing_programs(const std::set<std::uint32_t> &skip)
{
	std::vector<std::string> out;
	for (std::uint32_t id : all_prog_ids()) {
		if (skip.count(id))
			continue;
		ProgInfo p = prog_info(id, false);
		if (p.type == "raw_tracepoint" || p.type == "tracepoint" || p.type == "kprobe" ||
		    p.type == "tracing" || p.type == "perf_event")
			out.push_back(std::to_string(id) + " " + p.type + " " + p.name);
	}
	return out;
}

// kernel.bpf_stats_enabled set to 0 for the latency phase when someone
// left it at 1 (--stats-off), and put back as it was, also on errors.
class StatsSysctlOff {
public:
	static constexpr const char *kPath = "/proc/sys/kernel/bpf_stats_enabled";
	explicit StatsSysctlOff(bool wanted)
	{
		if (wanted && read_file(kPath).substr(0, 1) == "1") {
			write_file(kPath, "0");
			active_ = true;
		}
	}
	~StatsSysctlOff() { restore(); }
	void restore()
	{
		if (!active_)
			return;
		active_ = false;
		try {
			write_file(kPath, "1");
		} catch (...) {
			std::cerr << "bpfwatch-bench: could not put " << kPath << " back to 1\n";
		}
	}
	bool active() const { return active_; }

private:
	bool active_ = false;
};

// An idle second thread for the whole run. The watched/unwatched states add
// a consumer thread to the writer's process, and a process with more than
// one thread pays for a file reference in every fdget(): without this the
// comparison with none/floor/bpftrace would charge that to the probe.
// Blocked in read() on a pipe: no syscalls while it waits.
class CompanionThread {
public:
	CompanionThread()
	{
		int p[2];
		if (pipe2(p, O_CLOEXEC) != 0)
			fail_errno("pipe2", errno);
		r_ = Fd(p[0]);
		w_ = Fd(p[1]);
		thread_ = std::thread([fd = r_.get()] {
			char c;
			while (read(fd, &c, 1) < 0 && errno == EINTR)
				;
		});
	}
	~CompanionThread()
	{
		w_ = Fd(); // EOF
		thread_.join();
	}

private:
	Fd r_, w_;
	std::thread thread_;
};

// A scratch directory for the tools' stderr, removed at exit.
struct TempDir {
	std::string path;
	TempDir()
	{
		char tmpl[] = "/tmp/bpfwatch-bench-XXXXXX";
		if (!mkdtemp(tmpl))
			fail_errno("mkdtemp", errno);
		path = tmpl;
	}
	~TempDir()
	{
		std::error_code ec;
		std::filesystem::remove_all(path, ec);
	}
};

int run(const Options &o, const std::string &command)
{
	if (geteuid() != 0)
		throw std::runtime_error("must run as root (loads BPF programs, makes cgroups)");
	install_stop_signals();
	bpfwatch::route_libbpf_log_to_spdlog();
	remove_stale_cgroups();
	const std::uint64_t start = now_ns();

	Results r;
	std::string bpftrace = find_in_path(o.bpftrace);
	r.machine = describe_machine(o, bpftrace);
	r.config = {command, o.quick, o.rounds, o.reps, o.batch, o.cpu, o.seed, o.stream_seconds, {}};
	StreamOptions so;
	so.seconds = o.stream_seconds;
	r.config.stream_rates = so.rates;
	auto all_before = all_prog_ids();
	std::set<std::uint32_t> before(all_before.begin(), all_before.end());
	for (const std::string &p : tracing_programs({}))
		r.warnings.push_back("tracing program of someone else loaded at start: " + p);

	std::vector<StateId> wanted;
	for (const std::string &k : o.states)
		wanted.push_back(state_from_key(k));
	if (std::find(wanted.begin(), wanted.end(), StateId::Bpftrace) != wanted.end() && bpftrace.empty()) {
		r.warnings.push_back("bpftrace not found: the bpftrace state is skipped");
		std::erase(wanted, StateId::Bpftrace);
	}
	if (std::find(wanted.begin(), wanted.end(), StateId::None) == wanted.end())
		wanted.insert(wanted.begin(), StateId::None); // every other state is relative to it

	TempDir tmp;
	CompanionThread companion;
	set_writer_cpu(o.cpu);
	pin_thread(o.cpu);
	{
		BenchCgroups cgroups;
		Workloads wl(o.batch);
		Env env{cgroups, wl, o.bpfwatch, bpftrace, tmp.path,
			o.probe_build == "compat" ? bpfwatch::ProbeBuild::Compat : bpfwatch::ProbeBuild::Auto};
		for (Workload w : kAllWorkloads)
			r.batch[int(w)] = wl.batch(w);
		StateTable states;
		for (StateId s : wanted) {
			states[int(s)] = make_state(s, env);
			r.measured[int(s)] = true;
		}

		LatencyOptions lo;
		lo.rounds = o.rounds;
		lo.reps = o.reps;
		lo.seed = o.seed;
		// Leave ~30% of the budget to the stats and streaming phases.
		lo.deadline_ns = start + std::uint64_t(o.time_limit * 0.7 * 1e9);
		const char *stats_on = "bpf_stats were on in the latency phase (kernel.bpf_stats_enabled=1 "
				       "or someone's BPF_ENABLE_STATS fd): every BPF state's added cost "
				       "includes the stats' clock reads; re-run when they are off (--stats-off "
				       "handles a left-over sysctl)";
		StatsSysctlOff off(o.stats_off);
		if (off.active())
			r.warnings.push_back("kernel.bpf_stats_enabled was 1: set to 0 for the timed phase "
					     "(--stats-off) and put back after");
		bool stats_before = stats_seem_on(states, wl);
		if (!o.profile.empty()) {
			// Profiles only: a quick look, not a measurement of cost.
			std::string perf = find_in_path("perf");
			if (perf.empty())
				throw std::runtime_error("perf not found (apt-get install linux-perf)");
			for (const std::string &k : o.profile) {
				StateId s = state_from_key(k);
				if (!states[int(s)])
					throw std::runtime_error("state " + k + " is not enabled (--states)");
				std::cerr << "bpfwatch-bench: profiling state " << k << "\n";
				r.profiles.push_back(profile_state(env, *states[int(s)], s,
								   workload_from_key(o.profile_workload),
								   o.profile_seconds, perf));
			}
		} else {
			r.latency = run_latency(wl, states, lo);
		}
		if (stats_before || stats_seem_on(states, wl))
			r.warnings.push_back(stats_on);
		off.restore();
		if (!o.no_stats && o.profile.empty()) {
			std::cerr << "bpfwatch-bench: bpf_stats phase\n";
			r.bpf_stats = run_bpf_stats(wl, states, o.reps);
		}
		if (!o.no_stream && o.profile.empty()) {
			std::cerr << "bpfwatch-bench: streaming phase\n";
			r.stream = run_streaming(env, so);
			r.streamed = true;
		}
		r.udp_dropped = wl.udp_dropped();
		if (r.udp_dropped)
			r.warnings.push_back(std::to_string(r.udp_dropped) +
					     " UDP datagrams were not received (sendto still timed)");
	} // states, tools and cgroups are gone here
	pin_thread(-1);

	// A program is freed a moment after its last fd and link are gone.
	for (std::uint32_t id : ours()) {
		for (int i = 0; i < 100 && prog_exists(id); i++)
			sleep_ms(20);
		if (prog_exists(id))
			r.warnings.push_back("program " + std::to_string(id) + " of this run is still loaded");
	}
	std::set<std::uint32_t> skip = before;
	for (std::uint32_t id : ours())
		skip.insert(id);
	for (const std::string &p : tracing_programs(skip))
		r.foreign_programs.push_back(p);
	if (!r.foreign_programs.empty())
		r.warnings.push_back(std::to_string(r.foreign_programs.size()) +
				     " tracing program(s) of someone else were loaded during the run: more noise");
	r.seconds = (now_ns() - start) / 1e9;

	print_report(r, std::cout);
	if (!o.json_path.empty()) {
		std::ofstream out(o.json_path);
		out << to_json(r).dump(2) << "\n";
		if (!out)
			throw std::runtime_error("cannot write " + o.json_path);
		std::cout << "JSON: " << o.json_path << "\n";
	}
	return 0;
}

} // namespace
} // namespace bench

int main(int argc, char **argv)
{
	using namespace bench;
	Options o;
	CLI::App app("bpfwatch-bench: the cost bpfwatch adds to write()/sendto(), side by side with "
		     "nothing attached, a floor program and bpftrace, interleaved in one run; and "
		     "its streaming rate, CPU and memory. Needs root. Usually run by scripts/bench.",
		     "bpfwatch-bench");
	app.add_flag("--quick", o.quick, "A few rounds and short runs: a smoke test of seconds");
	app.add_option("--json", o.json_path, "Also write every number as JSON to FILE")->type_name("FILE");
	app.add_option("--rounds", o.rounds, "Interleaved rounds (default 80, quick 3)");
	app.add_option("--reps", o.reps, "Timed batches per workload per visit (default 2, quick 1)");
	app.add_option("--batch", o.batch, "Calls per timed batch (default 16384, quick 4096)");
	app.add_option("--cpu", o.cpu, "CPU to pin the writer to; -1: none (default: the last CPU)");
	app.add_option("--seed", o.seed, "Seed of the per-round state order");
	app.add_option("--time-limit", o.time_limit, "Seconds; no latency round starts after 70% of it "
						     "(default 540, quick 45)");
	app.add_option("--stream-seconds", o.stream_seconds, "Writer time per streaming rate (default 3, quick 0.5)");
	app.add_option("--states", o.states, "States to measure (default all): none floor watched unwatched "
					     "tool events bpftrace noinput")
		->delimiter(',');
	app.add_flag("--no-stats", o.no_stats, "Skip the bpf_stats phase");
	app.add_flag("--stats-off", o.stats_off, "If kernel.bpf_stats_enabled is 1 (left on, it adds two clock "
						 "reads to every BPF run), set it to 0 for the timed phase and put it back "
						 "(scripts/bench passes this)");
	app.add_option("--profile", o.profile, "Instead of measuring: perf-profile the writer in these "
					       "states (e.g. none,watched,bpftrace)")
		->delimiter(',');
	app.add_option("--profile-seconds", o.profile_seconds, "Seconds of perf record per profiled state");
	app.add_option("--profile-workload", o.profile_workload, "What the profiled writer does: devnull, "
								  "pipe or udp");
	app.add_flag("--no-stream", o.no_stream, "Skip the streaming phase");
	app.add_option("--bpfwatch", o.bpfwatch, "The bpfwatch binary to run as a subprocess");
	app.add_option("--bpftrace", o.bpftrace, "The bpftrace binary");
	app.add_option("--probe-build", o.probe_build,
		       "The syscall probe build the watched/unwatched states load: auto (the fastest the "
		       "kernel takes) or compat (BPF_CORE_READ, the one for kernels before 6.2)")
		->check(CLI::IsMember({"auto", "compat"}));
	app.add_option("--git", o.git, "Tree version to record (scripts/bench passes git describe)");
	CLI11_PARSE(app, argc, argv);

	auto pick = [&](auto &v, auto full, auto quick) {
		if (v <= 0)
			v = o.quick ? quick : full;
	};
	pick(o.rounds, 80, 3);
	pick(o.reps, 2, 1);
	pick(o.batch, 16384, 4096);
	pick(o.time_limit, 540.0, 45.0);
	pick(o.stream_seconds, 3.0, 0.5);
	if (o.cpu == -2) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		o.cpu = n > 1 ? int(n - 1) : -1;
	}
	if (o.states.empty())
		for (StateId s : kAllStates)
			o.states.push_back(state_key(s));
	std::string command;
	for (int i = 0; i < argc; i++)
		command += (i ? " " : "") + std::string(argv[i]);

	try {
		return run(o, command);
	} catch (const Interrupted &) {
		std::cerr << "bpfwatch-bench: interrupted; everything it started is stopped\n";
		return 130;
	} catch (const std::exception &e) {
		std::cerr << "bpfwatch-bench: error: " << e.what() << "\n";
		return 1;
	}
}

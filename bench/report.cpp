// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "report.h"

#include <fmt/format.h>

#include <cmath>

namespace bench {
namespace {

using json = nlohmann::ordered_json;

// A median and an approximate standard error of it (1.25 * 1.4826 * MAD
// / sqrt(n)): how far the number would move on a re-run, roughly.
struct Est {
	double v = NAN, err = NAN;
	std::size_t n = 0;
	bool ok() const { return n > 0 && std::isfinite(v); }
};

Est estimate(const std::vector<double> &xs)
{
	Est e;
	e.n = xs.size();
	if (!e.n)
		return e;
	e.v = median(xs);
	std::vector<double> dev;
	for (double x : xs)
		dev.push_back(std::fabs(x - e.v));
	e.err = 1.2533 * 1.4826 * median(dev) / std::sqrt(double(e.n));
	return e;
}

Est ratio(const Est &a, const Est &b)
{
	Est r;
	if (!a.ok() || !b.ok() || b.v == 0)
		return r;
	r.n = std::min(a.n, b.n);
	r.v = a.v / b.v;
	r.err = std::hypot(a.err / b.v, a.v * b.err / (b.v * b.v));
	return r;
}

Est added(const Results &r, Workload w, StateId s, Metric m = kCpu)
{
	return estimate(r.latency.added[m][int(w)][int(s)]);
}

// watched/bpftrace, unwatched/floor, ... for one workload.
Est added_ratio(const Results &r, Workload w, StateId a, StateId b, Metric m = kCpu)
{
	return ratio(added(r, w, a, m), added(r, w, b, m));
}

std::string pm(const Est &e, int decimals)
{
	if (!e.ok())
		return "-";
	return fmt::format("{:.{}f}±{:.{}f}", e.v, decimals, e.err, decimals);
}

std::string rate_str(double rate)
{
	if (rate <= 0)
		return "flat";
	return rate >= 1000 ? fmt::format("{:.0f}k", rate / 1000) : fmt::format("{:.0f}", rate);
}

std::string mib(std::uint64_t bytes)
{
	return fmt::format("{:.1f} MiB", bytes / 1048576.0);
}

struct Verdict {
	std::string key, what, measured;
	bool available = false, pass = false, noisy = false;
	json details;
};

// A ratio target over the workloads (@only, or all): PASS when every one is
// within @limit; "noisy" when some ratio's ±2 SE straddles the limit.
Verdict ratio_target(const Results &r, std::string key, std::string what, StateId a, StateId b, double limit,
		     std::vector<Workload> only = {})
{
	Verdict v{std::move(key), std::move(what), "", false, true, false, json::object()};
	if (!r.measured[int(a)] || !r.measured[int(b)] || r.latency.rounds == 0)
		return v;
	v.available = true;
	if (only.empty())
		only.assign(kAllWorkloads.begin(), kAllWorkloads.end());
	for (Workload w : only) {
		Est e = added_ratio(r, w, a, b);
		v.pass = v.pass && e.ok() && e.v <= limit;
		v.noisy = v.noisy || (e.ok() && std::fabs(e.v - limit) < 2 * e.err);
		v.measured += (v.measured.empty() ? "" : " ") + (e.ok() ? fmt::format("{:.2f}", e.v) : "-");
		v.details[workload_key(w)] = e.ok() ? json{{"ratio", e.v}, {"err", e.err}} : json(nullptr);
	}
	v.details["limit"] = limit;
	return v;
}

const StreamRun *find_run(const Results &r, const std::string &consumer, double rate, bool reads = false)
{
	for (const StreamRun &s : r.stream.runs)
		if (s.consumer == consumer && s.target_rate == rate && s.reads == reads)
			return &s;
	return nullptr;
}

// No record lost by either consumer flat out (@reads: reading too).
Verdict lost_target(const Results &r, std::string key, std::string what, bool reads)
{
	Verdict v{std::move(key), std::move(what), "", false, false, false, {}};
	const StreamRun *in = find_run(r, "in-process", 0, reads), *bin = find_run(r, "bpfwatch", 0, reads);
	if (!in || !bin)
		return v;
	v.available = true;
	v.pass = in->lost == 0 && bin->lost == 0;
	v.measured = fmt::format("in-process {} of {}, bpfwatch {} of {}", in->lost, in->counted, bin->lost,
				 bin->counted);
	v.details = {{"in_process", in->lost}, {"bpfwatch", bin->lost}};
	return v;
}

std::vector<Verdict> verdicts(const Results &r)
{
	std::vector<Verdict> out;
	out.push_back(ratio_target(r, "watched_vs_bpftrace", "watched added <= 0.75 x bpftrace added",
				   StateId::Watched, StateId::Bpftrace, 0.75));
	out.push_back(ratio_target(r, "unwatched_vs_floor", "unwatched added <= 1.25 x floor added",
				   StateId::Unwatched, StateId::Floor, 1.25));
	out.push_back(ratio_target(r, "tool_vs_bpftrace", "tool added <= 1.0 x bpftrace added (#10)", StateId::Tool,
				   StateId::Bpftrace, 1.0));
	out.push_back(ratio_target(r, "writes_vs_noinput", "watched writes <= 1.0 x noinput's (#10)", StateId::Watched,
				   StateId::NoInput, 1.0, {Workload::DevNull, Workload::Pipe, Workload::Udp}));
	out.push_back(lost_target(r, "lost_flat_out", "0 lost records, one core writing flat out", false));
	out.push_back(lost_target(r, "lost_flat_out_read_write", "0 lost, one core reading+writing (#10)", true));
	const StreamRun *in = find_run(r, "in-process", 0), *bin = find_run(r, "bpfwatch", 0);
	Verdict cpu{"userspace_cpu", "userspace <= 10% of a core per 100k ev/s", "", false, false, false, {}};
	if (bin && in) {
		cpu.available = true;
		cpu.pass = bin->cpu_pct_per_100k() <= 10 && bin->records > 0;
		cpu.measured = fmt::format("bpfwatch {:.1f}%, in-process consumer {:.1f}%", bin->cpu_pct_per_100k(),
					   in->cpu_pct_per_100k());
		cpu.details = {{"bpfwatch_pct", bin->cpu_pct_per_100k()},
			       {"in_process_pct", in->cpu_pct_per_100k()},
			       {"limit_pct", 10}};
	}
	out.push_back(cpu);
	Verdict rss{"rss", "bpfwatch RSS <= 40 MiB", "", false, false, false, {}};
	std::uint64_t hwm = 0;
	for (const StreamRun &s : r.stream.runs)
		if (s.consumer == "bpfwatch")
			hwm = std::max(hwm, s.hwm_kib);
	if (hwm) {
		rss.available = true;
		rss.pass = hwm <= 40 * 1024;
		rss.measured = fmt::format("{} peak (VmHWM)", mib(hwm * 1024));
		rss.details = {{"vmhwm_kib", hwm}, {"limit_kib", 40 * 1024}};
	}
	out.push_back(rss);
	Verdict kmem{"kernel_memory", "kernel maps + ring <= 16 MiB", "", false, false, false, {}};
	if (r.stream.probe_kernel_bytes) {
		kmem.available = true;
		kmem.pass = r.stream.probe_kernel_bytes <= 16ull << 20;
		kmem.measured = mib(r.stream.probe_kernel_bytes);
		kmem.details = {{"bytes", r.stream.probe_kernel_bytes}, {"limit_bytes", 16ull << 20}};
	}
	out.push_back(kmem);
	return out;
}

void print_latency(const Results &r, std::ostream &out)
{
	const LatencyData &d = r.latency;
	out << fmt::format("Cost per call, ns of the writer thread's CPU time. \"added\" = median over\n"
			   "{} rounds of (state - mean of the `none` visits just before and after it)\n"
			   "± approx. standard error of that median.\n\n",
			   d.rounds);
	out << fmt::format("{:<10}", "state");
	for (Workload w : kAllWorkloads)
		out << fmt::format("  {:>20}", workload_title(w));
	out << "\n" << fmt::format("{:<10}", "");
	for (int i = 0; i < kWorkloads; i++)
		out << fmt::format("  {:>8} {:>11}", "ns/call", "added");
	out << "\n";
	for (StateId s : kAllStates) {
		if (!r.measured[int(s)])
			continue;
		out << fmt::format("{:<10}", state_key(s));
		for (Workload w : kAllWorkloads) {
			Est v = estimate(d.visits[kCpu][int(w)][int(s)]);
			std::string a = s == StateId::None ? "-" : pm(added(r, w, s), 0);
			out << fmt::format("  {:>8.0f} {:>11}", v.v, a);
		}
		out << "\n";
	}
	struct {
		StateId a, b;
	} pairs[] = {{StateId::Watched, StateId::Bpftrace},
		     {StateId::Unwatched, StateId::Floor},
		     {StateId::Watched, StateId::Floor},
		     {StateId::Tool, StateId::Bpftrace},
		     {StateId::Events, StateId::Bpftrace},
		     {StateId::Watched, StateId::NoInput}};
	out << "\nratio of added cost\n";
	for (auto [a, b] : pairs) {
		if (!r.measured[int(a)] || !r.measured[int(b)])
			continue;
		out << fmt::format("{:<21}", fmt::format("{} / {}", state_key(a), state_key(b)));
		for (Workload w : kAllWorkloads)
			out << fmt::format(" {:>13}", pm(added_ratio(r, w, a, b), 2));
		out << "\n";
	}
	out << "\nthe same, wall clock (adds preemption and steal time), added ns:\n";
	for (StateId s : kAllStates) {
		if (!r.measured[int(s)] || s == StateId::None)
			continue;
		out << fmt::format("{:<10}", state_key(s));
		for (Workload w : kAllWorkloads)
			out << fmt::format("  {:>20}", pm(added(r, w, s, kWall), 0));
		out << "\n";
	}
	out << "\nmedian time to enter a state:";
	for (StateId s : kAllStates)
		if (r.measured[int(s)] && s != StateId::None)
			out << fmt::format(" {} {:.0f} ms", state_key(s), median(d.enter_ms[int(s)]));
	out << "\n";
}

void print_bpf_stats(const Results &r, std::ostream &out)
{
	if (r.bpf_stats.empty())
		return;
	out << "\nBPF programs, bpf_stats on (run_time_ns / run_cnt over the timed calls only;\n"
	       "the stats' own clock reads are included in ns/run)\n\n";
	out << fmt::format("{:<10} {:>6} ", "state", "insns");
	for (int i = 0; i < kWorkloads; i++)
		out << fmt::format(" {:>9}", "ns/run");
	out << fmt::format("  {:>9}\n{:<10} {:>6} ", "runs/call", "", "");
	// Short column names, in kAllWorkloads' order.
	for (const char *name : {"wr null", "wr pipe", "sendto", "rd zero", "rd pipe", "recv"})
		out << fmt::format(" {:>9}", name);
	static_assert(kWorkloads == 6, "a column name per workload");
	out << fmt::format("  {:>9}\n", "wr null");
	for (const BpfStatsRow &row : r.bpf_stats) {
		std::uint32_t insns = 0;
		for (const ProgInfo &p : row.progs)
			insns += p.xlated_insns;
		out << fmt::format("{:<10} {:>6} ", state_key(row.state), insns);
		for (int i = 0; i < kWorkloads; i++)
			out << fmt::format(" {:>9.1f}", row.runs[i] ? double(row.run_time_ns[i]) / row.runs[i] : 0.0);
		int dn = int(Workload::DevNull);
		out << fmt::format("  {:>9.2f}\n", row.calls[dn] ? double(row.runs[dn]) / row.calls[dn] : 0.0);
	}
	out << "\nprograms (xlated instructions, JIT bytes; helper calls in the program):\n";
	for (const BpfStatsRow &row : r.bpf_stats)
		for (const ProgInfo &p : row.progs) {
			if (p.helpers.empty())
				continue;
			out << fmt::format("  {} [{}]: {} insns, {} B jited; ", p.name, state_key(row.state),
					   p.xlated_insns, p.jited_bytes);
			bool first = true;
			for (const auto &[h, n] : p.helpers) {
				out << (first ? "" : ", ") << h << (n > 1 ? fmt::format(" x{}", n) : "");
				first = false;
			}
			out << "\n";
		}
}

void print_stream(const Results &r, std::ostream &out)
{
	if (!r.streamed)
		return;
	out << fmt::format("\nStreaming: one writer thread, write(64 B) to /dev/null in the watched cgroup\n"
			   "(r+w: and a read(64 B) of /dev/zero after each), {:.1f} s per rate; CPU% is\n"
			   "of one core per 100k records/s\n\n",
			   r.config.stream_seconds);
	out << fmt::format("{:<18} {:>8} {:>9} {:>9} {:>9} {:>7} {:>9}\n", "consumer", "target", "calls/s",
			   "records/s", "lost", "CPU%", "RSS");
	bool saturated = false;
	for (const StreamRun &s : r.stream.runs) {
		out << fmt::format("{:<18} {:>8} {:>8.1f}k {:>9} {:>9} {:>6.1f}{} {:>9}\n", s.consumer,
				   rate_str(s.target_rate) + (s.reads ? " r+w" : ""), s.achieved_rate() / 1000,
				   fmt::format("{:.1f}k", s.records_rate() / 1000), s.lost, s.cpu_pct_per_100k(),
				   s.saturated ? "*" : " ", s.hwm_kib ? fmt::format("{:.1f}M", s.hwm_kib / 1024.0) : "-");
		saturated = saturated || s.saturated;
	}
	if (saturated)
		out << "* the consumer was on a CPU >= 90% of the writer's time: at this rate it is\n"
		       "  the bottleneck\n";
	out << fmt::format("kernel memory of maps + ring (fdinfo memlock): probe {}, bpfwatch binary {}\n",
			   mib(r.stream.probe_kernel_bytes), mib(r.stream.binary_kernel_bytes));
}

json est_json(const Est &e)
{
	if (!e.ok())
		return nullptr;
	return {{"value", e.v}, {"err", e.err}, {"n", e.n}};
}

void print_profiles(const Results &r, std::ostream &out)
{
	for (const Profile &p : r.profiles) {
		out << fmt::format("\nperf profile of the writer, state {}: {} (64 B), {:.0f} s,\n"
				   "cpu-clock samples by symbol (>= 0.5%)\n",
				   state_key(p.state), workload_title(p.workload), p.seconds);
		for (const auto &[sym, pct] : p.symbols)
			out << fmt::format("  {:6.2f}%  {}\n", pct, sym);
	}
}

} // namespace

void print_report(const Results &r, std::ostream &out)
{
	const Machine &m = r.machine;
	out << fmt::format("\nbpfwatch-bench: Linux {}, {}, {} CPUs{}\n", m.kernel, m.cpu_model, m.nproc,
			   m.git.empty() ? "" : ", tree " + m.git);
	out << fmt::format("batches: {} calls (pipe {}, udp {}), {} per visit; writer on CPU {}, tools on the "
			   "others\n\n",
			   r.batch[0], r.batch[1], r.batch[2], r.config.reps, r.config.pin_cpu);
	if (r.latency.rounds)
		print_latency(r, out);
	print_bpf_stats(r, out);
	print_stream(r, out);
	print_profiles(r, out);
	if (r.latency.rounds == 0 && !r.streamed) {
		for (const std::string &w : r.warnings)
			out << "warning: " << w << "\n";
		return;
	}
	out << "\nTargets (issues #5 and #10)\n";
	for (const Verdict &v : verdicts(r)) {
		std::string mark = !v.available ? "n/a " : v.pass ? "PASS" : "MISS";
		out << fmt::format("  {}  {:<42} {}{}\n", mark, v.what, v.measured,
				   v.available && v.noisy ? " (within noise)" : "");
	}
	for (const std::string &w : r.warnings)
		out << "warning: " << w << "\n";
	out << fmt::format("\ntotal {:.0f} s\n", r.seconds);
}

json to_json(const Results &r)
{
	json j;
	j["machine"] = {{"kernel", r.machine.kernel},     {"cpu_model", r.machine.cpu_model},
			{"nproc", r.machine.nproc},       {"hostname", r.machine.hostname},
			{"git", r.machine.git},           {"bpftrace", r.machine.bpftrace_version},
			{"bpf_stats_enabled_at_start", r.machine.bpf_stats_sysctl}};
	j["config"] = {{"command", r.config.command},
		       {"quick", r.config.quick},
		       {"rounds_planned", r.config.rounds},
		       {"reps_per_visit", r.config.reps},
		       {"batch", [&] {
				nlohmann::ordered_json b;
				for (Workload w : kAllWorkloads)
					b[workload_key(w)] = r.batch[int(w)];
				return b;
			}()},
		       {"writer_cpu", r.config.pin_cpu},
		       {"seed", r.config.seed},
		       {"stream_seconds", r.config.stream_seconds},
		       {"stream_rates", r.config.stream_rates}};
	json lat = {{"rounds", r.latency.rounds}, {"seconds", r.latency.seconds}};
	for (Workload w : kAllWorkloads) {
		json jw;
		for (StateId s : kAllStates) {
			if (!r.measured[int(s)])
				continue;
			json js;
			for (Metric m : {kCpu, kWall}) {
				const auto &visits = r.latency.visits[m][int(w)][int(s)];
				js[m == kCpu ? "cpu" : "wall"] = {
					{"median_ns", est_json(estimate(visits))},
					{"added_ns", est_json(added(r, w, s, m))},
					{"visits_ns", visits},
					{"added_per_round_ns", r.latency.added[m][int(w)][int(s)]}};
			}
			jw[state_key(s)] = js;
		}
		jw["ratios"] = {
			{"watched_over_bpftrace", est_json(added_ratio(r, w, StateId::Watched, StateId::Bpftrace))},
			{"unwatched_over_floor", est_json(added_ratio(r, w, StateId::Unwatched, StateId::Floor))},
			{"watched_over_floor", est_json(added_ratio(r, w, StateId::Watched, StateId::Floor))},
			{"tool_over_bpftrace", est_json(added_ratio(r, w, StateId::Tool, StateId::Bpftrace))},
			{"events_over_bpftrace", est_json(added_ratio(r, w, StateId::Events, StateId::Bpftrace))},
			{"watched_over_noinput", est_json(added_ratio(r, w, StateId::Watched, StateId::NoInput))}};
		lat[workload_key(w)] = jw;
	}
	json enter;
	for (StateId s : kAllStates)
		if (r.measured[int(s)] && s != StateId::None)
			enter[state_key(s)] = median(r.latency.enter_ms[int(s)]);
	lat["enter_ms_median"] = enter;
	j["latency"] = lat;

	json stats = json::array();
	for (const BpfStatsRow &row : r.bpf_stats) {
		json progs = json::array();
		for (const ProgInfo &p : row.progs)
			progs.push_back({{"id", p.id},
					 {"name", p.name},
					 {"type", p.type},
					 {"tag", p.tag},
					 {"xlated_insns", p.xlated_insns},
					 {"jited_bytes", p.jited_bytes},
					 {"verified_insns", p.verified_insns},
					 {"helpers", p.helpers}});
		json per;
		for (Workload w : kAllWorkloads) {
			int i = int(w);
			per[workload_key(w)] = {
				{"calls", row.calls[i]},
				{"runs", row.runs[i]},
				{"run_time_ns", row.run_time_ns[i]},
				{"ns_per_run", row.runs[i] ? double(row.run_time_ns[i]) / row.runs[i] : 0.0},
				{"bpf_ns_per_call", row.calls[i] ? double(row.run_time_ns[i]) / row.calls[i] : 0.0}};
		}
		stats.push_back({{"state", state_key(row.state)}, {"programs", progs}, {"workloads", per}});
	}
	j["bpf_stats"] = stats;

	json runs = json::array();
	for (const StreamRun &s : r.stream.runs)
		runs.push_back({{"consumer", s.consumer},
				{"target_rate", s.target_rate},
				{"reads", s.reads},
				{"seconds", s.seconds},
				{"calls", s.calls},
				{"counted", s.counted},
				{"records", s.records},
				{"lost", s.lost},
				{"writes_per_s", s.achieved_rate()},
				{"records_per_s", s.records_rate()},
				{"consumer_cpu_ns", s.cpu_ns},
				{"cpu_pct_per_100k_per_s", s.cpu_pct_per_100k()},
				{"vmrss_kib", s.rss_kib},
				{"vmhwm_kib", s.hwm_kib},
				{"saturated", s.saturated}});
	j["streaming"] = {{"runs", runs},
			  {"probe_kernel_memory_bytes", r.stream.probe_kernel_bytes},
			  {"binary_kernel_memory_bytes", r.stream.binary_kernel_bytes}};

	json targets = json::object();
	for (const Verdict &v : verdicts(r))
		targets[v.key] = {{"what", v.what},
				  {"available", v.available},
				  {"pass", v.available && v.pass},
				  {"within_noise", v.noisy},
				  {"measured", v.measured},
				  {"details", v.details}};
	j["targets"] = targets;
	json profiles = json::object();
	for (const Profile &p : r.profiles) {
		json syms = json::array();
		for (const auto &[sym, pct] : p.symbols)
			syms.push_back({{"symbol", sym}, {"pct", pct}});
		profiles[state_key(p.state)] = {
			{"workload", workload_key(p.workload)}, {"seconds", p.seconds}, {"symbols", syms}};
	}
	j["profiles"] = profiles;
	j["udp_dropped"] = r.udp_dropped;
	j["warnings"] = r.warnings;
	j["foreign_programs"] = r.foreign_programs;
	j["seconds"] = r.seconds;
	return j;
}

} // namespace bench

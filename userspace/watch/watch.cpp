// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "watch/watch.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <optional>

#include "aggregator/aggregator.h"
#include "aggregator/silence.h"
#include "output/report.h"
#include "probe/preflight.h"
#include "probe/probe.h"
#include "targets/cgroup.h"
#include "targets/resolver.h"
#include "util/error.h"
#include "watch/signals.h"
#include "watch/target_book.h"

namespace bpfwatch {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPollTimeout = std::chrono::milliseconds(100);
constexpr auto kExitCheckPeriod = std::chrono::seconds(1);
// Watching everything, the kernel's totals map is bounded: cgroups that
// are gone are dropped from it this often (their numbers stay here).
constexpr auto kVanishedCheckPeriod = std::chrono::seconds(10);

std::uint64_t monotonic_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return std::uint64_t(ts.tv_sec) * 1000000000ull + ts.tv_nsec;
}

double seconds_between(Clock::time_point a, Clock::time_point b)
{
	return std::chrono::duration<double>(b - a).count();
}

// The running watch: probe, aggregator, book and output wired together.
class Watch {
public:
	Watch(const WatchOptions &opt, TargetBook &book, Output &out)
		: opt_(opt), book_(book), out_(out),
		  probe_(probe_config(opt, book), [this](const bw_event &e) { on_event(e); })
	{
		if (opt.alert_silence)
			silence_.emplace(*opt.alert_silence);
	}

	int run()
	{
		announce();
		const Clock::time_point start = Clock::now();
		Clock::time_point interval_start = start, next_exit_check = start + kExitCheckPeriod;
		Clock::time_point next_vanished_check = start + kVanishedCheckPeriod;
		Clock::time_point next_silence_check = start;
		bool report_intervals = opt_.interval.count() > 0;

		while (!stop_requested() && std::cout.good()) {
			Clock::time_point now = Clock::now();
			if (opt_.duration && now - start >= *opt_.duration)
				break;
			if (probe_.poll(static_cast<int>(kPollTimeout.count())) > 0 && opt_.events)
				out_.flush();
			now = Clock::now();
			if (report_intervals && now - interval_start >= opt_.interval) {
				report_interval(seconds_between(interval_start, now));
				interval_start = now;
			}
			if (!book_.watching_everything() && now >= next_exit_check) {
				next_exit_check = now + kExitCheckPeriod;
				report_exits(seconds_between(start, now));
				if (book_.empty())
					return kExitTargetGone;
			}
			if (silence_ && now >= next_silence_check) {
				next_silence_check = now + kExitCheckPeriod;
				check_silence(now);
			}
			if (book_.watching_everything() && now >= next_vanished_check) {
				next_vanished_check = now + kVanishedCheckPeriod;
				forget_vanished();
			}
		}
		report_summary(seconds_between(start, Clock::now()));
		return kExitOk;
	}

private:
	// Like trace tools: one line on stderr once the probes are attached,
	// which is also what scripts wait for before starting a workload.
	void announce()
	{
		std::string what;
		for (std::uint64_t id : book_.explicit_ids()) {
			const Target &t = book_.target(id);
			what += (what.empty() ? "" : ", ") + t.name;
		}
		if (what.empty())
			what = "every container on this host";
		std::cerr << "bpfwatch: watching " << what << "; Ctrl-C to stop" << std::endl;
	}

	static ProbeConfig probe_config(const WatchOptions &opt, const TargetBook &book)
	{
		ProbeConfig cfg;
		cfg.cgroup_ids = book.explicit_ids();
		cfg.timestamps = opt.events;
		return cfg;
	}

	void on_event(const bw_event &e)
	{
		agg_.add(e, monotonic_ns());
		if (opt_.events)
			out_.event(e, book_.target(e.cgroup_id));
	}

	void sync_totals()
	{
		probe_.drain();
		agg_.set_totals(probe_.read_totals());
	}

	Report make_report(Report::Kind kind, double seconds, const std::map<std::uint64_t, Window> &windows)
	{
		Report r;
		r.kind = kind;
		r.duration_s = seconds;
		r.stats = probe_.read_stats();
		// Explicit targets are always shown: silence is the news.
		for (std::uint64_t id : book_.explicit_ids()) {
			auto it = windows.find(id);
			r.targets.push_back({book_.target(id), it == windows.end() ? Window{} : it->second, ""});
		}
		if (book_.watching_everything())
			for (const auto &[id, w] : windows)
				if (w.records || w.total().calls || w.total().errors)
					r.targets.push_back({book_.target(id), w, ""});
		return r;
	}

	void report_interval(double seconds)
	{
		sync_totals();
		out_.report(make_report(Report::Kind::Interval, seconds, agg_.roll_interval()));
	}

	void report_summary(double seconds)
	{
		sync_totals();
		out_.report(make_report(Report::Kind::Summary, seconds, agg_.since_start()));
	}

	void report_exits(double seconds)
	{
		std::vector<Target> gone = book_.take_exited();
		if (gone.empty())
			return;
		sync_totals();
		Report r;
		r.kind = Report::Kind::Summary;
		r.duration_s = seconds;
		r.stats = probe_.read_stats();
		for (Target &t : gone) {
			auto it = agg_.since_start().find(t.cgroup_id);
			r.targets.push_back({t, it == agg_.since_start().end() ? Window{} : it->second,
					     "container exited while watched"});
		}
		out_.report(r);
		for (const Target &t : gone) {
			out_.notice("exited", t, "exited while watched; its final summary is above");
			probe_.forget_cgroup(t.cgroup_id);
			agg_.forget(t.cgroup_id);
		}
	}

	void check_silence(Clock::time_point now)
	{
		sync_totals();
		for (const auto &[id, w] : agg_.since_start()) {
			const Counts &socket = w.by_kind[BW_KIND_SOCKET];
			std::uint64_t written = w.stdio.bytes + w.by_kind[BW_KIND_FILE].bytes;
			if (auto alert = silence_->update(id, now, socket.bytes, written, socket.errors))
				out_.alert(*alert, book_.target(id));
		}
	}

	void forget_vanished()
	{
		std::vector<std::uint64_t> gone = book_.take_vanished();
		if (gone.empty())
			return;
		sync_totals(); // their last numbers, before the kernel forgets them
		for (std::uint64_t id : gone)
			probe_.forget_cgroup(id);
	}

	const WatchOptions &opt_;
	TargetBook &book_;
	Output &out_;
	Aggregator agg_;
	std::optional<SilenceDetector> silence_;
	Probe probe_;
};

} // namespace

int run_watch(const WatchOptions &opt)
{
	install_stop_signals();

	ResolveOptions ro;
	ro.containers = opt.containers;
	ro.cgroups = opt.cgroups;
	ro.pids = opt.pids;
	ro.runtime = opt.runtime;
	ro.docker_socket = opt.docker_socket;
	ro.podman_socket = opt.podman_socket;
	std::vector<Target> targets;
	if (!ro.containers.empty() || !ro.cgroups.empty() || !ro.pids.empty())
		targets = resolve_targets(ro);
	check_can_load_probes();

	std::shared_ptr<CgroupNamer> namer = CgroupNamer::from_options(ro);
	TargetBook book(std::move(targets), cgroup_root_or_detect(ro.cgroup_root),
			[namer](std::uint64_t id) { return namer->describe(id); });

	OutputOptions oo;
	oo.histogram = opt.histogram;
	oo.top_destinations = opt.top;
	auto out = opt.json ? make_json_output(std::cout, oo) : make_table_output(std::cout, oo);
	Watch watch(opt, book, *out);
	return watch.run();
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "watch/watch.h"

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <optional>

#include "aggregator/silence.h"
#include "output/live_view.h"
#include "output/output.h"
#include "output/warnings.h"
#include "session/resolve.h"
#include "session/session.h"
#include "session/signals.h"
#include "util/error.h"
#include "watch/metrics_publisher.h"

namespace bpfwatch {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPollTimeout = std::chrono::milliseconds(100);
constexpr auto kTickPeriod = std::chrono::seconds(1);
// Watching everything, the kernel's totals map is bounded: cgroups that
// are gone are dropped from it this often (their numbers stay here).
constexpr auto kVanishedCheckPeriod = std::chrono::seconds(10);
// The live view marks who is silent by the model's rule even without
// --alert-silence, after this long (no alert is printed then).
constexpr auto kViewSilence = std::chrono::seconds(10);

double seconds_between(Clock::time_point a, Clock::time_point b)
{
	return std::chrono::duration<double>(b - a).count();
}

// The watch loop: a session, reports every interval and at the end,
// exits, silence, and (watching everything) cgroups that come and go.
class Watch {
public:
	Watch(const WatchOptions &opt, TargetBook &book, Output &out, MetricsServer *server)
		: opt_(opt), book_(book), out_(out), session_(book, session_options(opt, book, out)), server_(server)
	{
		if (opt.alert_silence)
			silence_.emplace(*opt.alert_silence);
		else if (out.refreshes())
			silence_.emplace(kViewSilence);
		if (opt.follow && !book.watching_everything())
			session_.follow(make_lookup(opt.targets), make_runtime_events(opt.targets),
					FollowOptions{opt.gone_after});
		if (server_)
			metrics_.emplace(*server_, opt.metrics_limits);
	}

	int run()
	{
		const Clock::time_point start = Clock::now();
		// Healthy, with a first snapshot, by the time the line below
		// says the probes are attached.
		if (metrics_) {
			session_.sync();
			metrics_->publish(session_, 0);
			server_->tick(start);
			server_->set_attached(true);
		}
		announce();
		Clock::time_point interval_start = start, next_tick = start + kTickPeriod;
		Clock::time_point next_vanished_check = start + kVanishedCheckPeriod;
		// A view that draws itself is its own interval: once a second.
		bool report_intervals = opt_.interval.count() > 0 && !opt_.headless && !out_.refreshes();
		if (out_.refreshes()) { // the first sample: rates from the next tick on
			session_.sync();
			refresh(start, start);
		}

		while (!stop_requested() && std::cout.good()) {
			Clock::time_point now = Clock::now();
			if (server_)
				server_->tick(now);
			if (opt_.duration && now - start >= *opt_.duration)
				break;
			if (session_.poll(static_cast<int>(kPollTimeout.count())) > 0 && opt_.events)
				out_.flush();
			if (!out_.interact()) // the user quit: the summary, status 0
				break;
			now = Clock::now();
			if (auto status = follow(now, start))
				return *status;
			if (report_intervals && now - interval_start >= opt_.interval) {
				session_.sync();
				update_silence(now);
				report(interval_report(seconds_between(interval_start, now)), now);
				interval_start = now;
			}
			if (now >= next_tick) {
				next_tick = now + kTickPeriod;
				if (auto status = tick(now, start))
					return *status;
				if (out_.refreshes())
					refresh(now, start);
			}
			if (book_.watching_everything() && now >= next_vanished_check) {
				next_vanished_check = now + kVanishedCheckPeriod;
				forget_vanished();
			}
		}
		return finish(start, kExitOk);
	}

private:
	static SessionOptions session_options(const WatchOptions &opt, TargetBook &book, Output &out)
	{
		SessionOptions so;
		so.trace = opt.events;
		so.delivery = opt.delivery;
		so.input = opt.input;
		so.places = opt.places;
		so.intervals = !opt.headless && opt.interval.count() > 0;
		if (opt.events)
			so.on_record = [&book, &out](std::uint64_t key, const Record &r) { out.record(r, book.target(key)); };
		return so;
	}

	// Like trace tools: one line on stderr once the probes are attached,
	// which is also what scripts wait for before starting a workload.
	void announce()
	{
		std::string what;
		for (const Watched &w : book_.watched())
			what += (what.empty() ? "" : ", ") + w.target.name;
		if (what.empty())
			what = "every container on this host";
		// What is not counted, before anyone reads a zero as "nothing".
		for (const Degraded &d : session_.degraded()) {
			std::cerr << "bpfwatch: " << degraded_message(d) << std::endl;
			out_.degraded(d);
		}
		std::cerr << "bpfwatch: watching " << what << "; Ctrl-C to stop" << std::endl;
		if (server_)
			std::cerr << "bpfwatch: metrics on http://" << server_->address().to_string() << "/metrics"
				  << std::endl;
	}

	// What happened since the last one; with --histogram cumulative the
	// sizes per kind since the start.
	Report interval_report(double seconds)
	{
		Aggregator &agg = session_.aggregator();
		std::map<std::uint64_t, Window> windows = agg.roll_interval();
		if (opt_.histogram_cumulative)
			keep_sizes_since_start(windows, agg.since_start());
		Report r = session_.make_report(Report::Kind::Interval, seconds, windows);
		r.sizes_since_start = opt_.histogram_cumulative;
		return r;
	}

	// The final summary of everything since the start.
	int finish(Clock::time_point start, int status)
	{
		if (server_)
			server_->set_attached(false); // counting stops here
		session_.sync();
		const Clock::time_point end = Clock::now();
		update_silence(end);
		report(session_.make_report(Report::Kind::Summary, seconds_between(start, end),
					    session_.aggregator().since_start()),
		       end);
		return status;
	}

	// Once a second: followed targets, exits, silence, new containers'
	// egress. A status to end with when every explicit target is gone:
	// exited, with --no-follow (each had its final summary); or gone for
	// good, with no --duration (then the summary of all).
	std::optional<int> tick(Clock::time_point now, Clock::time_point start)
	{
		if (book_.watching_everything()) {
			session_.attach_egress_to_new_containers();
		} else if (!session_.following() && report_exits(seconds_between(start, now))) {
			return kExitTargetGone;
		}
		if (silence_ || metrics_)
			session_.sync();
		if (silence_)
			update_silence(now);
		if (metrics_)
			metrics_->publish(session_, seconds_between(start, now));
		return std::nullopt;
	}

	// The live view's second, after a sync (tick() makes one: a live view
	// always has a silence rule): everything since the start, and who is
	// silent (the view marks it; SILENT only with --alert-silence).
	void refresh(Clock::time_point now, Clock::time_point start)
	{
		Report r = session_.make_report(Report::Kind::Summary, seconds_between(start, now),
						session_.aggregator().since_start());
		for (TargetReport &tr : r.targets)
			tr.silent_s = silence_->silent_for(tr.key, now);
		out_.refresh(r);
	}

	// Followed targets: what became of them, as often as the loop polls.
	// A status to end with when every one is gone for good and no
	// --duration was given (then the summary of all).
	std::optional<int> follow(Clock::time_point now, Clock::time_point start)
	{
		if (!session_.following())
			return std::nullopt;
		for (const FollowNotice &n : session_.follow_tick(now))
			out_.notice(n.kind, n.target, n.message);
		if (session_.all_gone() && !opt_.duration)
			return finish(start, kExitTargetGone);
		return std::nullopt;
	}

	// --no-follow: a target whose cgroup is gone gets its final summary and
	// is not watched again. True when none is left.
	bool report_exits(double elapsed_s)
	{
		std::vector<std::uint64_t> gone;
		bool any_running = false;
		for (Watched &w : book_.watched()) {
			if (w.state != Watched::State::running)
				continue;
			if (book_.alive(w.target)) {
				any_running = true;
				continue;
			}
			w.state = Watched::State::stopped;
			gone.push_back(w.key);
		}
		if (!gone.empty()) {
			session_.sync();
			report(session_.final_report(gone, elapsed_s, "container exited while watched"), Clock::now());
			for (std::uint64_t key : gone)
				out_.notice("exited", book_.target(key), "exited while watched; its final summary is above");
		}
		return !any_running;
	}

	// After a sync: alerts for stretches that just became silent.
	void update_silence(Clock::time_point now)
	{
		if (!silence_)
			return;
		for (const auto &[id, w] : session_.aggregator().since_start()) {
			auto alert = silence_->update(id, now,
						      silence_inputs(w, session_.log_known(id), session_.delivery_running()));
			if (alert && opt_.alert_silence) // the live view's own rule alerts no one
				out_.alert(*alert, book_.target(id));
		}
	}

	// Reports say who is silent, for as long as it lasts: an alert is one
	// line that scrolls away.
	void report(Report r, Clock::time_point now)
	{
		// By the model's key: a followed target's cgroup id changes with
		// each life, its key does not.
		if (opt_.alert_silence)
			for (TargetReport &tr : r.targets)
				tr.silent_s = silence_->silent_for(tr.key, now);
		out_.report(r);
	}

	void forget_vanished()
	{
		// Names the runtime could not give before (it was down): now.
		book_.rename_unnamed();
		// Every cgroup the kernel counts is in the book, reported or not
		// (--interval 0, a cgroup that lived between two reports): else
		// its entry would hold a place in the bounded map for good.
		session_.sync();
		for (std::uint64_t id : session_.live_discovered())
			book_.target(id);
		std::vector<std::uint64_t> gone = book_.take_vanished();
		if (gone.empty())
			return;
		session_.sync(); // their last numbers, before the kernel forgets them
		// Headless, nothing prints a summary at the end: a daemon forgets
		// what is gone, so its memory stays bounded however many
		// containers come and go (their series end).
		for (std::uint64_t id : gone)
			session_.forget(id, !opt_.headless);
	}

	const WatchOptions &opt_;
	TargetBook &book_;
	Output &out_;
	Session session_;
	std::optional<SilenceDetector> silence_;
	MetricsServer *server_ = nullptr;
	std::optional<MetricsPublisher> metrics_;
};

} // namespace

namespace {

// JSON, the live view (asked for, or a terminal when no --output was
// given), or the table.
std::unique_ptr<Output> make_output(const WatchOptions &opt)
{
	OutputOptions table{opt.histogram, opt.top};
	if (opt.headless)
		return make_null_output();
	if (opt.json)
		return make_json_output(std::cout);
	bool on_terminal = isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
	if (opt.live == WatchOptions::Live::always ||
	    (opt.live == WatchOptions::Live::on_terminal && on_terminal)) {
		std::string why;
		if (terminal_usable(why))
			return std::make_unique<LiveView>(LiveViewOptions{table, opt.alert_silence.has_value()},
							  std::cout);
		if (opt.live == WatchOptions::Live::always)
			throw Error("--output live: " + why);
		std::cerr << "bpfwatch: no live view (" << why << "): printing the table" << std::endl;
	}
	return make_table_output(std::cout, table);
}

} // namespace

int run_watch(const WatchOptions &opt)
{
	// Bound first: a port in use is an error before anything is resolved
	// or loaded. It answers from now on (503 until the probes run).
	std::unique_ptr<MetricsServer> server;
	if (opt.metrics) {
		server = std::make_unique<MetricsServer>(*opt.metrics);
		server->start();
	}
	install_stop_signals();
	auto out = make_output(opt);
	TargetBook book = resolve_book(opt.targets, opt.wait);
	Watch watch(opt, book, *out, server.get());
	int status = watch.run();
	out->close(); // the live view: the normal screen back, then the summary
	return status;
}

} // namespace bpfwatch

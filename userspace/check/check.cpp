// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "check/check.h"

#include <chrono>
#include <iostream>

#include "aggregator/verdict.h"
#include "output/check_output.h"
#include "output/format.h"
#include "output/warnings.h"
#include "session/resolve.h"
#include "session/session.h"
#include "session/signals.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

using Clock = std::chrono::steady_clock;

int check_once(const CheckOptions &opt)
{
	CheckCriteria criteria = parse_check_target(opt.to, opt.min_bytes, opt.require_ack);
	TargetBook book = resolve_book(opt.targets);
	if (book.watched().size() != 1) {
		// A pod or a label set can select several: the verdict is one
		// container's.
		std::string which;
		for (const Watched &w : book.watched())
			which += (which.empty() ? "" : ", ") + w.target.name;
		throw Error("check judges one container, and this selects " + std::to_string(book.watched().size()) +
			    " (" + which + "): name one, e.g. --pod NAMESPACE/POD/CONTAINER");
	}
	SessionOptions so;
	so.places = opt.places;
	Session session(book, so);
	for (const Degraded &d : session.degraded())
		std::cerr << "bpfwatch: " << degraded_message(d) << std::endl;
	if (!session.delivery_running())
		throw Error("check needs the delivery probe, which did not load (see the line above)");

	const std::uint64_t key = book.explicit_keys().at(0);
	const Watched &watched = book.watched().at(0);
	session.follow(make_lookup(opt.targets), make_runtime_events(opt.targets), {});
	std::cerr << "bpfwatch: checking " << watched.target.name << " for "
		  << format_duration(std::chrono::duration<double>(opt.window).count()) << std::endl;
	// The window runs its course through restarts: a router that crashed
	// and came back is judged on all it did. A signal, or a target that
	// is gone for good, ends it early: judge what was seen by then.
	const Clock::time_point start = Clock::now();
	std::string note;
	while (!stop_requested() && Clock::now() - start < opt.window && !session.all_gone()) {
		session.poll(100);
		for (const FollowNotice &n : session.follow_tick(Clock::now()))
			std::cerr << "bpfwatch: " << n.target.name << ": " << n.message << std::endl;
	}
	if (watched.restarts)
		note = "the container restarted " + std::to_string(watched.restarts) + " time(s) during the window";
	if (watched.state != Watched::State::running)
		note += (note.empty() ? "" : "; ") + std::string("the container was not running at the end of the window");
	double window_s = std::chrono::duration<double>(Clock::now() - start).count();

	session.sync();
	Report report = session.final_report({key}, window_s, note);
	const TargetReport &tr = report.targets.at(0);
	criteria.input_counted = report.input;
	for (const Degraded &d : report.degraded)
		if (d.program == "bw_egress")
			criteria.egress_unseen = "bw_egress is not running (" + d.why + ")";
	CheckResult r = evaluate(tr, criteria);
	if (opt.json) {
		print_check_json(std::cout, r, tr, window_s);
	} else {
		std::cout << check_reason(r) << std::endl;
		if (!note.empty())
			std::cout << "note: " << note << std::endl;
	}
	if (r.verdict == Verdict::error)
		return kExitError;
	return r.verdict == Verdict::delivered ? kExitOk : kExitCheckFailed;
}

} // namespace

int run_check(const CheckOptions &opt)
{
	install_stop_signals();
	try {
		return check_once(opt);
	} catch (const Error &e) {
		if (opt.json)
			print_check_error_json(std::cout, e.what());
		throw;
	}
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "check/check.h"

#include <chrono>
#include <iostream>

#include "aggregator/verdict.h"
#include "output/check_output.h"
#include "output/format.h"
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
	SessionOptions so;
	so.places = opt.places;
	Session session(book, so);
	if (!session.delivery_running())
		throw Error("check needs the delivery probe, which did not attach (see the warning above)");

	// A copy: the book drops the target if its container exits.
	const Target target = book.target(book.explicit_ids().at(0));
	std::cerr << "bpfwatch: checking " << target.name << " for "
		  << format_duration(std::chrono::duration<double>(opt.window).count()) << std::endl;
	const Clock::time_point start = Clock::now();
	// A signal or the container's exit ends the window early: judge what
	// was seen by then.
	std::string note;
	while (!stop_requested() && Clock::now() - start < opt.window) {
		if (!book.take_exited().empty()) {
			note = "the container exited during the window";
			break;
		}
		session.poll(100);
	}
	double window_s = std::chrono::duration<double>(Clock::now() - start).count();

	session.sync();
	Report report = session.final_report({target}, window_s, note);
	const TargetReport &tr = report.targets.at(0);
	CheckResult r = evaluate(tr, criteria);
	if (opt.json) {
		print_check_json(std::cout, r, tr, window_s);
	} else {
		std::cout << check_reason(r) << std::endl;
		if (!note.empty())
			std::cout << "note: " << note << std::endl;
	}
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

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "check/check.h"

#include <chrono>
#include <cmath>
#include <iostream>

#include <nlohmann/json.hpp>

#include "check/verdict.h"
#include "output/delivery_rows.h"
#include "output/format.h"
#include "util/error.h"
#include "watch/session.h"
#include "watch/signals.h"
#include "watch/watch.h"

namespace bpfwatch {
namespace {

using Clock = std::chrono::steady_clock;

void print_json(const CheckResult &r, const TargetReport &tr, double window_s)
{
	nlohmann::ordered_json errors = nlohmann::ordered_json::object();
	for (const auto &[name, n] : r.errors)
		errors[name] = n;
	nlohmann::ordered_json destinations = nlohmann::ordered_json::array();
	for (const Peer &p : r.peers) {
		auto where = locality_of(tr, p);
		destinations.push_back({{"peer", p.to_string()},
					{"address", p.address()},
					{"port", p.port},
					{"locality", where ? std::string(to_string(*where)) : "unknown"}});
	}
	nlohmann::ordered_json j = {{"type", "check"},
				    {"verdict", to_string(r.verdict)},
				    {"reason", r.reason},
				    {"container", tr.target.name},
				    {"runtime", tr.target.runtime},
				    {"container_id", tr.target.container_id},
				    {"cgroup_id", tr.target.cgroup_id},
				    {"window_s", std::round(window_s * 1000) / 1000},
				    {"left_host_bytes", r.left_host_bytes},
				    {"acked_bytes", r.acked_bytes},
				    {"sent_bytes", r.sent_bytes},
				    {"sent_remote_bytes", r.sent_remote_bytes},
				    {"stdout_bytes", r.stdout_bytes},
				    {"retransmits", r.retransmits},
				    {"errors", errors},
				    {"destinations", destinations}};
	std::cout << j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << std::endl;
}

// A script that reads check's JSON gets a verdict even when the check
// could not run; the one-line error goes to stderr as always.
void print_error_json(const std::string &message)
{
	nlohmann::ordered_json j = {{"type", "check"}, {"verdict", to_string(Verdict::error)}, {"reason", message}};
	std::cout << j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << std::endl;
}

int check_once(const CheckOptions &opt)
{
	CheckCriteria criteria = parse_check_target(opt.to, opt.min_bytes, opt.require_ack);
	TargetBook book = resolve_book(opt.watch);
	SessionOptions so;
	so.places = locality_overrides(opt.watch);
	Session session(book, so);
	if (!session.delivery_running())
		throw Error("check needs the delivery probe, which did not attach (see the warning above)");

	const Target &target = book.target(book.explicit_ids().front());
	std::cerr << "bpfwatch: checking " << target.name << " for "
		  << format_duration(std::chrono::duration<double>(opt.window).count()) << std::endl;
	const Clock::time_point start = Clock::now();
	// A signal or the container's exit ends the window early: judge what
	// was seen by then.
	while (!stop_requested() && Clock::now() - start < opt.window && book.take_exited().empty())
		session.poll(100);
	double window_s = std::chrono::duration<double>(Clock::now() - start).count();

	session.sync();
	Report report = session.make_report(Report::Kind::Summary, window_s, session.aggregator().since_start());
	const TargetReport &tr = report.targets.front();
	CheckResult r = evaluate(tr, criteria);
	if (opt.watch.json)
		print_json(r, tr, window_s);
	else
		std::cout << r.reason << std::endl;
	return r.verdict == Verdict::delivered ? kExitOk : kExitCheckFailed;
}

} // namespace

int run_check(const CheckOptions &opt)
{
	install_stop_signals();
	try {
		return check_once(opt);
	} catch (const Error &e) {
		if (opt.watch.json)
			print_error_json(e.what());
		throw;
	}
}

} // namespace bpfwatch

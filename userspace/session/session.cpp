// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "session/session.h"

#include <spdlog/spdlog.h>

#include "targets/log_files.h"
#include "util/clock.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

ProbeConfig probe_config(TargetBook &book, const SessionOptions &options, std::set<std::uint64_t> &log_known)
{
	ProbeConfig cfg;
	cfg.cgroup_ids = book.explicit_ids();
	cfg.trace = options.trace;
	for (std::uint64_t id : cfg.cgroup_ids) {
		auto lf = log_files_of(book.target(id).pid);
		cfg.log_pipes.push_back(lf.value_or(LogFiles{}));
		if (lf)
			log_known.insert(id);
	}
	return cfg;
}

// Delivery adds to what the syscall counts say; without it (an old kernel,
// say) bpfwatch still runs and says what is missing.
std::unique_ptr<DeliveryProbe> open_delivery(const TargetBook &book, const SessionOptions &options)
{
	if (!options.delivery)
		return nullptr;
	try {
		DeliveryConfig cfg;
		cfg.cgroup_ids = book.explicit_ids();
		return std::make_unique<DeliveryProbe>(cfg);
	} catch (const Error &e) {
		spdlog::warn("delivery numbers (acknowledged, left the host) are off: {}", e.what());
		return nullptr;
	}
}

} // namespace

Session::Session(TargetBook &book, const SessionOptions &options)
	: book_(book), options_(options), agg_(256, options.intervals), delivery_(open_delivery(book, options)),
	  probe_(probe_config(book, options, log_known_),
		 [this](const Record &r) {
			 agg_.add(r, monotonic_ns());
			 if (options_.on_record)
				 options_.on_record(r);
		 }),
	  places_(options.places)
{
	if (delivery_)
		for (std::uint64_t id : book.explicit_ids())
			attach_egress(book.target(id));
}

Session::~Session() = default;

void Session::attach_egress(const Target &t)
{
	if (!egress_tried_.insert(t.cgroup_id).second)
		return;
	try {
		delivery_->attach_egress({t.cgroup_id, book_.dir_of(t)});
	} catch (const Error &e) {
		spdlog::warn("{}: no packet-level (left the host) counts: {}", t.name, e.what());
	}
}

void Session::attach_egress_to_new_containers()
{
	if (!delivery_)
		return;
	for (const auto &[id, t] : book_.discovered())
		if (!t.container_id.empty())
			attach_egress(t);
}

void Session::sync()
{
	probe_.drain();
	agg_.set_totals(probe_.read_totals());
	if (delivery_) {
		DeliverySnapshot snap = delivery_->read();
		agg_.set_delivery(snap.cgroups);
		delivery_stats_ = snap.stats;
	}
}

TargetReport Session::target_report(const Target &t, const Window &w, const std::string &note)
{
	TargetReport tr;
	tr.target = t;
	tr.window = w;
	tr.note = note;
	tr.log_known = log_known(t.cgroup_id);
	auto place = [&](const Endpoint &p) {
		if (!tr.locality.count(p))
			tr.locality[p] = places_.classify(p.ip_address()).locality;
	};
	// Every peer the network saw (an ICMP one has no port), and every IP
	// destination a send named.
	for (const auto &[peer, d] : tr.window.delivery)
		place(peer);
	for (const auto &[dest, stats] : tr.window.destinations)
		if (dest.is_ip() && dest.connected())
			place(dest);
	return tr;
}

Report Session::make_report(Report::Kind kind, double seconds, const std::map<std::uint64_t, Window> &windows)
{
	Report r = report_frame(kind, seconds);
	each_target_report(windows, [&](TargetReport &&tr) { r.targets.push_back(std::move(tr)); });
	return r;
}

Report Session::report_frame(Report::Kind kind, double seconds)
{
	Report r;
	r.kind = kind;
	r.duration_s = seconds;
	r.stats = probe_.read_stats();
	r.now_ns = monotonic_ns();
	if (delivery_)
		r.delivery_stats = delivery_stats_;
	return r;
}

void Session::each_target_report(const std::map<std::uint64_t, Window> &windows,
				 const std::function<void(TargetReport &&)> &each)
{
	// Explicit targets are always shown: silence is the news.
	for (std::uint64_t id : book_.explicit_ids()) {
		auto it = windows.find(id);
		each(target_report(book_.target(id), it == windows.end() ? Window{} : it->second));
	}
	if (book_.watching_everything())
		for (const auto &[id, w] : windows)
			if (w.active())
				each(target_report(book_.target(id), w));
}

Report Session::final_report(const std::vector<Target> &targets, double seconds, const std::string &note)
{
	Report r = make_report(Report::Kind::Summary, seconds, {});
	r.targets.clear();
	for (const Target &t : targets) {
		auto it = agg_.since_start().find(t.cgroup_id);
		r.targets.push_back(target_report(t, it == agg_.since_start().end() ? Window{} : it->second, note));
	}
	return r;
}

std::vector<ProgramCost> Session::program_costs() const
{
	std::vector<ProgramCost> costs = probe_.program_costs();
	if (delivery_)
		for (ProgramCost &c : delivery_->program_costs())
			costs.push_back(std::move(c));
	return costs;
}

void Session::forget(std::uint64_t cgroup_id, bool keep_numbers)
{
	probe_.forget_cgroup(cgroup_id);
	if (delivery_) {
		delivery_->detach_egress(cgroup_id);
		delivery_->forget_cgroup(cgroup_id);
	}
	egress_tried_.erase(cgroup_id);
	if (!keep_numbers)
		agg_.forget(cgroup_id);
}

} // namespace bpfwatch

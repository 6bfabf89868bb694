// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "session/session.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "aggregator/delivery_delta.h"
#include "targets/log_files.h"
#include "util/clock.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

ProbeConfig probe_config(const TargetBook &book, const SessionOptions &options, const DeliveryProbe *delivery)
{
	ProbeConfig cfg;
	for (const Watched &w : book.watched())
		cfg.cgroup_ids.push_back(w.target.cgroup_id);
	cfg.trace = options.trace;
	cfg.input = options.input;
	if (delivery)
		cfg.sent_dests_fd = delivery->sent_dests_fd();
	return cfg;
}

// Delivery adds to what the syscall counts say; without it (an old kernel,
// say) bpfwatch still runs and says what is missing.
std::unique_ptr<DeliveryProbe> open_delivery(const TargetBook &book, const SessionOptions &options,
					    DegradedList &degraded)
{
	if (!options.delivery)
		return nullptr;
	try {
		DeliveryConfig cfg;
		for (const Watched &w : book.watched())
			cfg.cgroup_ids.push_back(w.target.cgroup_id);
		return std::make_unique<DeliveryProbe>(cfg);
	} catch (const Error &e) {
		degraded.push_back({"delivery", "every delivery number (acknowledged, left the host, TCP and UDP errors)",
				    e.what(), ""});
		return nullptr;
	}
}

// Why a process's fd 1 cannot be looked at, when it cannot: reading
// another process's fds takes ptrace read access (CAP_SYS_PTRACE for a
// process with capabilities bpfwatch lacks), and for a process of another
// user, /proc/PID/fd (mode 0500) also CAP_DAC_READ_SEARCH.
std::string why_no_log_pipes(pid_t pid)
{
	struct stat st {};
	std::string proc = "/proc/" + std::to_string(pid), path = proc + "/fd/1";
	if (pid <= 0 || stat(path.c_str(), &st) == 0)
		return "";
	int err = errno;
	std::string why = errno_message("stat " + path, err);
	if (err != EACCES)
		return why;
	if (stat(proc.c_str(), &st) == 0 && st.st_uid != geteuid())
		return why + " (needs CAP_SYS_PTRACE, and CAP_DAC_READ_SEARCH: it runs as uid " +
		       std::to_string(st.st_uid) + ")";
	return why + " (needs CAP_SYS_PTRACE)";
}

} // namespace

Session::Session(TargetBook &book, const SessionOptions &options)
	: book_(book), options_(options), agg_(256, options.intervals), delivery_(open_delivery(book, options, degraded_)),
	  probe_(probe_config(book, options, delivery_.get()),
		 [this](const Record &r) {
			 std::uint64_t key = book_.key_of(r.cgroup_id);
			 agg_.add(key, r, monotonic_ns());
			 if (options_.on_record)
				 options_.on_record(key, r);
		 }),
	  places_(options.places)
{
	for (const Watched &w : book.watched()) {
		read_log_pipes(w.key, w.target, w.slot);
		attach_egress(w.target);
	}
}

Session::~Session() = default;

void Session::read_log_pipes(std::uint64_t key, const Target &t, std::size_t slot)
{
	auto lf = log_files_of(t.pid);
	probe_.set_log_pipes(slot, lf.value_or(LogFiles{}));
	if (lf) {
		log_known_.insert(key);
		return;
	}
	std::string why = why_no_log_pipes(t.pid);
	if (!why.empty() && why.find("CAP_SYS_PTRACE") != std::string::npos)
		degraded_.push_back({"log pipes", t.name + "'s writes into its log pipes (log)", why, ""});
}

void Session::attach_egress(const Target &t)
{
	if (!delivery_ || !egress_tried_.insert(t.cgroup_id).second)
		return;
	if (!delivery_->egress_available())
		return; // degraded() says so once, for every target
	try {
		delivery_->attach_egress({t.cgroup_id, book_.dir_of(t)});
	} catch (const Error &e) {
		// A cgroup that went away between being seen and attached to (a
		// container that lived a moment) is no gap in coverage.
		if (!book_.alive(t))
			return;
		egress_refused_[t.cgroup_id] = {"bw_egress", "packets that left the host from " + t.name, e.what(), ""};
		spdlog::debug("running without bw_egress for {}: {}", t.name, e.what());
	}
}

void Session::attach_egress_to_new_containers()
{
	for (const auto &[id, t] : book_.discovered())
		if (!t.container_id.empty())
			attach_egress(t);
}

void Session::follow(Follower::Lookup lookup, std::unique_ptr<RuntimeEvents> events, FollowOptions options)
{
	follower_ = std::make_unique<Follower>(book_, *this, std::move(lookup), std::move(events), options);
}

std::vector<FollowNotice> Session::follow_tick(std::chrono::steady_clock::time_point now)
{
	return follower_ ? follower_->tick(now) : std::vector<FollowNotice>{};
}

bool Session::expect_cgroup(std::size_t slot, const std::string &path)
{
	bool ok = probe_.slots().expect(slot, path);
	if (delivery_)
		ok &= delivery_->slots().expect(slot, path);
	return ok;
}

void Session::forget_expected_cgroup(const std::string &path)
{
	probe_.slots().forget_expected(path);
	if (delivery_)
		delivery_->slots().forget_expected(path);
}

void Session::move(Watched &w, const Target &now_at, std::chrono::steady_clock::time_point when)
{
	// The last records and totals of the old life, under the old id.
	sync();
	std::uint64_t old_cgroup = w.target.cgroup_id;
	// The kernel has usually pointed the slots there already, at the
	// cgroup's mkdir; pointing again is harmless and covers the rest.
	if (now_at.pid > 0) {
		auto lf = log_files_of(now_at.pid);
		probe_.retarget(w.slot, now_at.cgroup_id, lf.value_or(LogFiles{}));
		if (lf)
			log_known_.insert(w.key);
	} else {
		// A life seen only by the kernel: the log pipes it learnt stay.
		probe_.slots().point(w.slot, now_at.cgroup_id);
	}
	if (delivery_) {
		delivery_->slots().point(w.slot, now_at.cgroup_id);
		delivery_->detach_egress(old_cgroup);
	}
	egress_tried_.erase(old_cgroup);
	egress_refused_.erase(old_cgroup);
	book_.moved(w, now_at, when);
	agg_.adopt(now_at.cgroup_id, w.key);
	attach_egress(now_at);
}

void Session::catch_up(Watched &w, const Target &now_at)
{
	if (auto lf = log_files_of(now_at.pid)) {
		probe_.set_log_pipes(w.slot, *lf);
		log_known_.insert(w.key);
	}
	book_.caught_up(w, now_at);
}

void Session::sync()
{
	probe_.drain();
	std::map<std::uint64_t, KernelTotals> totals;
	for (const auto &[id, t] : probe_.read_totals())
		totals[book_.key_of(id)] += t;
	agg_.set_totals(totals);
	if (delivery_) {
		DeliverySnapshot snap = delivery_->read();
		std::map<std::uint64_t, PeerMap> by_key;
		for (const auto &[id, peers] : snap.cgroups)
			add_delivery(by_key[book_.key_of(id)], peers);
		agg_.set_delivery(by_key);
		delivery_stats_ = snap.stats;
	}
}

TargetReport Session::target_report(std::uint64_t key, const Window &w, const std::string &note)
{
	TargetReport tr;
	if (key == Aggregator::kRetiredKey) {
		tr.target.name = "gone cgroups";
		tr.target.runtime = "cgroup";
		tr.target.name_source = "summed";
	} else {
		tr.target = book_.target(key);
	}
	tr.key = key;
	tr.window = w;
	tr.note = note;
	if (key == Aggregator::kRetiredKey)
		tr.note = std::to_string(agg_.folded()) + " cgroups that are gone, summed (bpfwatch keeps " +
			  "the last ones apart)";
	tr.log_known = log_known(key);
	if (const Watched *watched = book_.watched_by_key(key)) {
		tr.restarts = watched->restarts;
		tr.state = watched->state == Watched::State::running   ? "running"
			   : watched->state == Watched::State::stopped ? "stopped"
								       : "removed";
	}
	auto place = [&](const Endpoint &p) {
		if (!tr.locality.count(p))
			tr.locality[p] = places_.classify(p.ip_address()).locality;
	};
	// Every peer the network saw (an ICMP one has no port), every IP
	// destination a send named, and every IP source a read came from.
	for (const auto &[peer, d] : tr.window.delivery)
		place(peer);
	for (const auto &[dest, stats] : tr.window.destinations)
		if (dest.is_ip() && dest.connected())
			place(dest);
	for (const auto &[src, stats] : tr.window.input.sources)
		if (src.is_ip() && src.connected())
			place(src);
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
	r.input = options_.input;
	if (delivery_)
		r.delivery_stats = delivery_stats_;
	r.degraded = degraded();
	return r;
}

DegradedList Session::degraded() const
{
	DegradedList all = probe_.degraded();
	if (delivery_)
		all.insert(all.end(), delivery_->degraded().begin(), delivery_->degraded().end());
	all.insert(all.end(), degraded_.begin(), degraded_.end());
	for (const auto &[id, d] : egress_refused_)
		all.push_back(d);
	return all;
}

void Session::each_target_report(const std::map<std::uint64_t, Window> &windows,
				 const std::function<void(TargetReport &&)> &each)
{
	// Explicit targets are always shown: silence is the news.
	for (std::uint64_t key : book_.explicit_keys()) {
		auto it = windows.find(key);
		each(target_report(key, it == windows.end() ? Window{} : it->second));
	}
	if (book_.watching_everything())
		for (const auto &[key, w] : windows)
			if (w.active())
				each(target_report(key, w));
}

Report Session::final_report(const std::vector<std::uint64_t> &keys, double seconds, const std::string &note)
{
	Report r = make_report(Report::Kind::Summary, seconds, {});
	r.targets.clear();
	for (std::uint64_t key : keys) {
		auto it = agg_.since_start().find(key);
		r.targets.push_back(target_report(key, it == agg_.since_start().end() ? Window{} : it->second, note));
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
	egress_refused_.erase(cgroup_id); // bounded however many come and go
	if (keep_numbers)
		agg_.retire(cgroup_id);
	else
		agg_.forget(cgroup_id);
}

std::vector<std::uint64_t> Session::live_discovered() const
{
	std::vector<std::uint64_t> out;
	for (const auto &[key, w] : agg_.since_start())
		if (key != Aggregator::kRetiredKey && !agg_.retired(key))
			out.push_back(key);
	return out;
}

} // namespace bpfwatch

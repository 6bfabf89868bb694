// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// One watching session: the syscall probe and the delivery probe attached
// to the book's cgroups, their numbers gathered in an aggregator by target
// key (a followed target's lives summed), and reports made from it with
// every peer placed (loopback, host, container, remote, unknown). `watch`
// and `check` are two loops around it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "aggregator/aggregator.h"
#include "aggregator/report.h"
#include "net/locality.h"
#include "probe/delivery_probe.h"
#include "probe/probe.h"
#include "session/follower.h"
#include "session/target_book.h"

namespace bpfwatch {

struct SessionOptions {
	bool trace = false;       // records carry time, pid, comm, fd (--events)
	bool delivery = true;     // attach the delivery probe (--no-delivery)
	bool input = true;        // count reads and receives (--no-input)
	LocalityOverrides places; // --remote-net, --local-net
	bool intervals = true;    // false: no interval reports (headless), half the model's memory
	// Called for each record, with the key the model counts it under.
	std::function<void(std::uint64_t key, const Record &)> on_record;
};

class Session {
public:
	Session(TargetBook &book, const SessionOptions &options);
	~Session();
	Session(const Session &) = delete;
	Session &operator=(const Session &) = delete;

	// Delivers ready records; returns how many.
	int poll(int timeout_ms) { return probe_.poll(timeout_ms); }
	// Drains the ring and reads both probes' totals into the aggregator.
	void sync();

	Aggregator &aggregator() { return agg_; }
	// Explicit targets always, discovered cgroups when they did something.
	Report make_report(Report::Kind kind, double seconds, const std::map<std::uint64_t, Window> &windows);
	// The same in two parts, so that no report holds every window at once
	// (the metrics exporter, with many containers): the report without
	// its targets, and each target make_report() would list, one at a time.
	Report report_frame(Report::Kind kind, double seconds);
	void each_target_report(const std::map<std::uint64_t, Window> &windows,
				const std::function<void(TargetReport &&)> &each);
	// A summary of just these targets' totals since the start, by key.
	Report final_report(const std::vector<std::uint64_t> &keys, double seconds, const std::string &note);
	void forget(std::uint64_t cgroup_id, bool keep_numbers);
	// Watching everything: the cgroups the model counts that are not
	// known to be gone (the kernel's, and any whose records came).
	std::vector<std::uint64_t> live_discovered() const;
	// Watching everything: count the IP egress of containers seen so far.
	void attach_egress_to_new_containers();
	bool delivery_running() const { return delivery_ != nullptr; }
	// What runs without a program the kernel refused (or a capability),
	// and what is therefore not counted; every report carries it.
	DegradedList degraded() const;
	// Which build of the syscall probe runs (a kernel before 6.2: compat).
	bool compat_probe() const { return probe_.compat(); }
	// Both probes' programs and what they cost the kernel so far.
	std::vector<ProgramCost> program_costs() const;
	// Whether the target's log pipes were found (Window::log counts).
	bool log_known(std::uint64_t key) const { return log_known_.count(key) != 0; }

	// Following (session/follower.h): start it, and ask once a second.
	void follow(Follower::Lookup lookup, std::unique_ptr<RuntimeEvents> events, FollowOptions options);
	std::vector<FollowNotice> follow_tick(std::chrono::steady_clock::time_point now);
	bool following() const { return follower_ != nullptr; }
	bool all_gone() const { return follower_ && follower_->all_gone(); }

	// The primitives the follower uses.
	std::uint64_t kernel_cgroup(std::size_t slot) { return probe_.slots().current(slot); }
	bool expect_cgroup(std::size_t slot, const std::string &path);
	void forget_expected_cgroup(const std::string &path);
	// A target's new life: probes, log pipes and egress move to its cgroup.
	void move(Watched &w, const Target &now_at, std::chrono::steady_clock::time_point when);
	// A life the kernel joined (and move() was told without a process)
	// as the runtime now tells it: its process, log pipes and ids.
	void catch_up(Watched &w, const Target &now_at);

private:
	TargetReport target_report(std::uint64_t key, const Window &w, const std::string &note = "");
	void attach_egress(const Target &t);
	void read_log_pipes(std::uint64_t key, const Target &t, std::size_t slot);

	TargetBook &book_;
	SessionOptions options_;
	DegradedList degraded_; // the session's own: delivery as a whole, log pipes
	std::set<std::uint64_t> log_known_; // keys of targets whose log pipes were found
	Aggregator agg_;
	// Loaded before probe_: each load parses the kernel's BTF (megabytes)
	// and frees it; doing so before the ring is mapped keeps the peak RSS
	// down to the larger of the two, not their sum.
	std::unique_ptr<DeliveryProbe> delivery_;
	Probe probe_;
	DeliveryStats delivery_stats_;
	LocalityCache places_;
	std::set<std::uint64_t> egress_tried_; // cgroup ids
	std::map<std::uint64_t, Degraded> egress_refused_; // by cgroup id, while it is watched
	std::unique_ptr<Follower> follower_;   // last: it holds references to the rest
};

} // namespace bpfwatch

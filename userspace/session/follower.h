// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Following explicit targets across restarts. The watch loop asks as it
// polls; the follower notices a target whose cgroup went away, asks
// its runtime (on a thread of its own: a runtime that hangs never stops
// the counting) what became of it, and moves the target to the cgroup of
// its new life. The kernel usually got there first: bpf/follow.bpf.h
// points a slot at a cgroup made at the path the follower registered, so
// not one call of the new life is missed; the follower then catches up on
// the rest (pid, log pipes, egress) and says what happened.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "session/target_book.h"
#include "targets/resolver.h"
#include "targets/runtime_events.h"
#include "util/background.h"

namespace bpfwatch {

class Session;

struct FollowNotice {
	std::string kind; // "stopped", "restarted", "removed", "gone", "runtime"
	Target target;
	std::string message;
};

struct FollowOptions {
	// A removed container is waited for this long to be re-created under
	// its name; then it is gone for good.
	std::chrono::milliseconds gone_after{60000};
	// How often a stopped target's runtime is asked when no event stream
	// says when to: the fallback.
	std::chrono::milliseconds ask_period{1000};
};

class Follower {
public:
	using Clock = std::chrono::steady_clock;
	// What became of a target; runs on the follower's thread, may block
	// up to its runtime's timeout, throws Error when it cannot ask.
	using Lookup = std::function<ContainerLookup(const Target &)>;

	Follower(TargetBook &book, Session &session, Lookup lookup, std::unique_ptr<RuntimeEvents> events,
		 FollowOptions options = {});
	~Follower();

	// As often as the loop polls (it is cheap): what changed, for the
	// reader. Cgroups are looked at once a second.
	std::vector<FollowNotice> tick(Clock::time_point now);
	// Every explicit target is gone for good: removed and not re-created
	// within gone_after, or stopped and not followable (--pid).
	bool all_gone() const;

private:
	struct Answer {
		ContainerLookup lookup;
		std::string error;
	};
	struct Mailbox {
		std::mutex mu;
		std::map<std::uint64_t, Answer> answers; // by key
	};
	struct Asking {
		bool in_flight = false;
		Clock::time_point last{};
		bool runtime_failed = false;
		bool gone = false; // removed for longer than gone_after
	};

	void expect(const Watched &w, const std::string &path);
	void adopt_kernel_life(Watched &w, Clock::time_point now, std::vector<FollowNotice> &out);
	void ask(const Watched &w, Clock::time_point now);
	void on_answer(Watched &w, const Answer &a, Clock::time_point now, std::vector<FollowNotice> &out);
	void come_back(Watched &w, const Target &now_at, Clock::time_point now, std::vector<FollowNotice> &out);
	// Where a re-created container's cgroup will be: the old path with
	// the old id replaced by the new one.
	std::string predicted_path(const Watched &w, const std::string &new_id) const;
	void take_events();

	TargetBook &book_;
	Session &session_;
	Lookup lookup_;
	std::unique_ptr<RuntimeEvents> events_;
	FollowOptions options_;
	std::shared_ptr<Mailbox> mailbox_ = std::make_shared<Mailbox>();
	std::map<std::uint64_t, Asking> asking_;
	std::map<std::uint64_t, bool> poked_; // an event named it: ask now
	Clock::time_point last_stat_{};
	std::map<std::uint64_t, std::set<std::string>> expected_; // cgroup paths registered per key
	Background worker_; // last: stopped first
};

} // namespace bpfwatch

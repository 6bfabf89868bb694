// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "session/follower.h"

#include <algorithm>

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <ctime>

#include <fmt/format.h>

#include "session/session.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

constexpr std::size_t kShortId = 12;
// With an event stream up, the runtime is still asked this often about a
// stopped target, in case an event was missed.
constexpr auto kAskPeriodWithEvents = std::chrono::seconds(5);
// Whether a target's cgroup is still there is looked at this often.
constexpr auto kStatPeriod = std::chrono::seconds(1);
// The kernel moved a slot to a new cgroup: the runtime is asked this often
// until the container runs there, to learn its process.
constexpr auto kCatchUpPeriod = std::chrono::milliseconds(100);

std::string short_id(const std::string &id)
{
	return id.substr(0, kShortId);
}

// How long ago a cgroup directory was made (its ctime), if it can be read.
std::optional<double> age_of_dir(const std::string &dir)
{
	struct stat st {};
	timespec now{};
	if (stat(dir.c_str(), &st) != 0 || clock_gettime(CLOCK_REALTIME, &now) != 0)
		return std::nullopt;
	double age = static_cast<double>(now.tv_sec - st.st_ctim.tv_sec) +
		     static_cast<double>(now.tv_nsec - st.st_ctim.tv_nsec) / 1e9;
	return age < 0 ? 0 : age;
}

// What a follow query (resolver.h: follow_query) waits for, in words:
// "container named web", "container of pod shop/web-0/nginx", "container
// with labels app=web".
std::string followed_as(const std::string &query)
{
	if (query.rfind("pod:", 0) == 0)
		return "container of pod " + query.substr(4);
	if (query.rfind("label:", 0) == 0)
		return "container with labels " + query.substr(6);
	return "container named " + query;
}

} // namespace

Follower::Follower(TargetBook &book, Session &session, Lookup lookup, std::unique_ptr<RuntimeEvents> events,
		   FollowOptions options)
	: book_(book), session_(session), lookup_(std::move(lookup)), events_(std::move(events)), options_(options)
{
	// Every followable target's own path: a restart makes its cgroup again
	// there, and the kernel moves the slot before the first process runs.
	for (const Watched &w : book_.watched())
		if (w.followable())
			expect(w, w.target.cgroup_path);
}

Follower::~Follower() = default;

void Follower::expect(const Watched &w, const std::string &path)
{
	if (path.empty() || !expected_[w.key].insert(path).second)
		return;
	if (!session_.expect_cgroup(w.slot, path))
		spdlog::debug("{}: cgroup path {} is too long to follow in the kernel", w.target.name, path);
}

void Follower::ask(const Watched &w, Clock::time_point now)
{
	Asking &a = asking_[w.key];
	a.in_flight = true;
	a.last = now;
	poked_.erase(w.key);
	worker_.post([lookup = lookup_, box = mailbox_, key = w.key, target = w.target] {
		Answer answer;
		try {
			answer.lookup = lookup(target);
		} catch (const std::exception &e) {
			answer.error = e.what();
		}
		std::lock_guard lock(box->mu);
		box->answers[key] = std::move(answer);
	});
}

void Follower::take_events()
{
	if (!events_)
		return;
	for (const ContainerEvent &e : events_->take())
		for (const Watched &w : book_.watched())
			if (e.name == w.target.query || e.name == w.target.name || e.id == w.target.container_id)
				poked_[w.key] = true;
}

std::vector<FollowNotice> Follower::tick(Clock::time_point now)
{
	std::vector<FollowNotice> out;
	take_events();

	bool stat_now = now - last_stat_ >= kStatPeriod;
	if (stat_now)
		last_stat_ = now;
	for (Watched &w : book_.watched()) {
		if (w.state != Watched::State::running)
			continue;
		// The kernel moved the slot (a restart made its cgroup again), or
		// the cgroup is simply gone.
		bool moved = session_.kernel_cgroup(w.slot) != w.target.cgroup_id;
		if (!moved && (!stat_now || book_.alive(w.target)))
			continue;
		w.state = Watched::State::stopped;
		w.since = now;
		out.push_back({"stopped", w.target,
			       w.followable() ? "stopped; following it: its counts go on in the same totals when it "
						"comes back"
					      : "exited; a --pid target is not followed"});
		if (moved)
			poked_[w.key] = true;
	}

	std::map<std::uint64_t, Answer> answers;
	{
		std::lock_guard lock(mailbox_->mu);
		answers.swap(mailbox_->answers);
	}
	for (auto &[key, answer] : answers)
		if (Watched *w = book_.watched_by_key(key))
			on_answer(*w, answer, now, out);

	for (Watched &w : book_.watched()) {
		if (!w.followable() || (w.state == Watched::State::running && !w.adopted))
			continue;
		// The stream tells only about its own runtime's containers: a
		// containerd or CRI-O target is asked at the fallback period.
		bool told = events_ && events_->connected() && events_->runtime() == w.target.runtime;
		Clock::duration period = told ? Clock::duration(kAskPeriodWithEvents) : Clock::duration(options_.ask_period);
		adopt_kernel_life(w, now, out);
		Asking &a = asking_[w.key];
		bool catching_up = session_.kernel_cgroup(w.slot) != w.target.cgroup_id;
		if (!a.in_flight &&
		    (poked_.count(w.key) || now - a.last >= (catching_up ? Clock::duration(kCatchUpPeriod) : period)))
			ask(w, now);
		if (w.state == Watched::State::removed && !a.gone && now - w.since >= options_.gone_after) {
			a.gone = true;
			out.push_back({"gone", w.target,
				       fmt::format("removed, and no {} came back within {}s", followed_as(w.target.query),
						   options_.gone_after.count() / 1000)});
		}
	}
	return out;
}

void Follower::on_answer(Watched &w, const Answer &answer, Clock::time_point now, std::vector<FollowNotice> &out)
{
	Asking &a = asking_[w.key];
	a.in_flight = false;
	if (!answer.error.empty()) {
		if (!a.runtime_failed)
			out.push_back({"runtime", w.target,
				       "cannot ask the runtime what became of it (" + answer.error +
					       "); counting by cgroup goes on, and it is asked again"});
		a.runtime_failed = true;
		return;
	}
	if (a.runtime_failed)
		out.push_back({"runtime", w.target, "the runtime answers again"});
	a.runtime_failed = false;
	if (w.state == Watched::State::running) {
		// A life the kernel joined, still running where the kernel
		// counts it: learn its process. Any other answer is about a
		// life already over (the cgroup check tells when this one ends).
		const ContainerLookup &l = answer.lookup;
		if (w.adopted && l.state == ContainerLookup::State::running &&
		    l.target.cgroup_id == w.target.cgroup_id)
			session_.catch_up(w, l.target);
		return;
	}

	const ContainerLookup &l = answer.lookup;
	switch (l.state) {
	case ContainerLookup::State::running:
		if (l.target.cgroup_id == w.target.cgroup_id) {
			w.state = Watched::State::running; // it never left
			w.since = now;
		} else {
			come_back(w, l.target, now, out);
		}
		break;
	case ContainerLookup::State::stopped:
		if (w.state == Watched::State::removed) {
			w.state = Watched::State::stopped;
			w.since = now;
		}
		// Re-created under the name, not started yet: where its cgroup
		// will be is known now, before its first process runs.
		if (!l.id.empty() && l.id != w.target.container_id)
			expect(w, predicted_path(w, l.id));
		break;
	case ContainerLookup::State::absent:
		if (w.state != Watched::State::removed) {
			w.state = Watched::State::removed;
			w.since = now;
			out.push_back({"removed", w.target,
				       fmt::format("removed; waiting up to {}s for a {} to follow",
						   options_.gone_after.count() / 1000, followed_as(w.target.query))});
		}
		break;
	}
}

// The kernel joined a new life at its cgroup's mkdir (bpf/follow.bpf.h)
// that the runtime has not been seen running: a life shorter than the
// time to ask (a crash loop, a job) comes and goes between two answers.
// Its calls are counted already; the book learns the cgroup (restarts,
// the key of its numbers) and the slot forgets the lives before the last.
void Follower::adopt_kernel_life(Watched &w, Clock::time_point now, std::vector<FollowNotice> &out)
{
	std::uint64_t joined = session_.kernel_cgroup(w.slot);
	if (!w.followable() || joined == w.target.cgroup_id ||
	    std::find(w.cgroups.begin(), w.cgroups.end(), joined) != w.cgroups.end())
		return;
	Target life = w.target;
	life.cgroup_id = joined;
	life.pid = 0; // not known: its log pipes are learnt in the kernel
	session_.move(w, life, now);
	w.adopted = true; // the runtime is asked on, for its process
	out.push_back({"restarted", w.target,
		       fmt::format("restarted: counting its new life from its first call (cgroup {}, restarts {})",
				   joined, w.restarts)});
}

void Follower::come_back(Watched &w, const Target &now_at, Clock::time_point now, std::vector<FollowNotice> &out)
{
	bool kernel_joined = session_.kernel_cgroup(w.slot) == now_at.cgroup_id;
	std::string late;
	if (!kernel_joined) {
		auto age = age_of_dir(book_.dir_of(now_at));
		late = age ? fmt::format("; joined {:.1f}s after its cgroup was made: calls before that are not counted",
					 *age)
			   : "; joined late: calls before that are not counted";
	}
	std::string old_id = w.target.container_id;
	session_.move(w, now_at, now);
	asking_[w.key].gone = false;
	// Expect the next life where this one is; forget the guesses.
	for (const std::string &path : expected_[w.key])
		if (path != now_at.cgroup_path)
			session_.forget_expected_cgroup(path);
	expected_[w.key].clear();
	expect(w, now_at.cgroup_path);
	std::string what = old_id == now_at.container_id ? "restarted" : "re-created as container " +
										      short_id(now_at.container_id);
	out.push_back({"restarted", w.target,
		       fmt::format("{}: counting its new life (cgroup {}, restarts {}){}", what, now_at.cgroup_id,
				   w.restarts, late)});
}

std::string Follower::predicted_path(const Watched &w, const std::string &new_id) const
{
	std::string path = w.target.cgroup_path;
	const std::string &old_id = w.target.container_id;
	auto at = old_id.empty() ? std::string::npos : path.find(old_id);
	if (at == std::string::npos)
		return "";
	return path.replace(at, old_id.size(), new_id);
}

bool Follower::all_gone() const
{
	for (const Watched &w : book_.watched()) {
		if (w.state == Watched::State::running)
			return false;
		if (!w.followable())
			continue;
		auto it = asking_.find(w.key);
		if (w.state != Watched::State::removed || it == asking_.end() || !it->second.gone)
			return false;
	}
	return true;
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "session/target_book.h"

#include <sys/stat.h>

#include <set>

#include "targets/cgroup.h"

namespace bpfwatch {

TargetBook::TargetBook(std::vector<Target> targets, std::string cgroup_root, Namer namer)
	: everything_(targets.empty()), cgroup_root_(std::move(cgroup_root)), namer_(std::move(namer))
{
	for (Target &t : targets) {
		Watched w{t, t.cgroup_id, watched_.size()};
		w.since = Watched::Clock::now();
		w.cgroups.push_back(t.cgroup_id);
		aliases_[t.cgroup_id] = t.cgroup_id;
		watched_.push_back(std::move(w));
	}
}

std::uint64_t TargetBook::key_of(std::uint64_t cgroup_id) const
{
	auto it = aliases_.find(cgroup_id);
	return it == aliases_.end() ? cgroup_id : it->second;
}

std::vector<std::uint64_t> TargetBook::explicit_keys() const
{
	std::vector<std::uint64_t> keys;
	for (const Watched &w : watched_)
		keys.push_back(w.key);
	return keys;
}

Watched *TargetBook::watched_by_key(std::uint64_t key)
{
	for (Watched &w : watched_)
		if (w.key == key)
			return &w;
	return nullptr;
}

const Target &TargetBook::target(std::uint64_t key)
{
	if (Watched *w = watched_by_key(key))
		return w->target;
	if (auto it = named_.find(key); it != named_.end())
		return it->second;
	return named_.emplace(key, namer_(key)).first->second;
}

void TargetBook::moved(Watched &w, const Target &now, Watched::Clock::time_point when)
{
	caught_up(w, now);
	w.state = Watched::State::running;
	w.since = when;
	w.restarts++;
	w.cgroups.push_back(now.cgroup_id);
	aliases_[now.cgroup_id] = w.key;
}

void TargetBook::caught_up(Watched &w, const Target &now)
{
	std::string query = w.target.query;
	w.target = now;
	if (w.target.query.empty())
		w.target.query = query;
	w.adopted = false;
}

std::string TargetBook::dir_of(const Target &t) const
{
	return join_cgroup_path(cgroup_root_, t.cgroup_path);
}

bool TargetBook::alive(const Target &t) const
{
	struct stat st {};
	std::string dir = dir_of(t);
	// A new cgroup at the same path is another life: compare ids.
	return stat(dir.c_str(), &st) == 0 && st.st_ino == t.cgroup_id;
}

bool TargetBook::rename_unnamed()
{
	bool renamed = false;
	for (auto &[id, t] : named_) {
		if (t.name_source != "cgroup path")
			continue;
		Target fresh = namer_(id);
		if (fresh.name_source != "cgroup path") {
			t = std::move(fresh);
			renamed = true;
		}
	}
	return renamed;
}

std::vector<std::uint64_t> TargetBook::take_vanished()
{
	std::vector<std::uint64_t> gone;
	std::set<std::uint64_t> unnamed;
	for (auto it = named_.begin(); it != named_.end();) {
		Target &t = it->second;
		bool is_gone = false;
		if (t.cgroup_path.empty()) {
			// Unnamed ("cgroup:<id>"): no walk of the tree found it. Ask
			// again; still unnamed a period after the last time means a
			// walk since it was seen missed it (the namer walks at least
			// once a second when asked): gone, having lived between two
			// walks (a churning host makes thousands of those).
			t = namer_(it->first);
			if (t.cgroup_path.empty()) {
				is_gone = unnamed_.count(it->first) != 0;
				if (!is_gone)
					unnamed.insert(it->first);
			} else {
				is_gone = !alive(t);
			}
		} else {
			is_gone = !alive(t);
		}
		if (!is_gone) {
			++it;
			continue;
		}
		gone.push_back(it->first);
		it = named_.erase(it);
	}
	unnamed_ = std::move(unnamed);
	return gone;
}

} // namespace bpfwatch

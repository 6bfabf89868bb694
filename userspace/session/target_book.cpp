// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "session/target_book.h"

#include <sys/stat.h>

#include "targets/cgroup.h"

namespace bpfwatch {

TargetBook::TargetBook(std::vector<Target> targets, std::string cgroup_root, Namer namer)
	: everything_(targets.empty()), cgroup_root_(std::move(cgroup_root)), namer_(std::move(namer))
{
	for (Target &t : targets)
		targets_.emplace(t.cgroup_id, std::move(t));
}

const Target &TargetBook::target(std::uint64_t cgroup_id)
{
	if (auto it = targets_.find(cgroup_id); it != targets_.end())
		return it->second;
	if (auto it = named_.find(cgroup_id); it != named_.end())
		return it->second;
	return named_.emplace(cgroup_id, namer_(cgroup_id)).first->second;
}

std::vector<std::uint64_t> TargetBook::explicit_ids() const
{
	std::vector<std::uint64_t> ids;
	for (const auto &[id, t] : targets_)
		ids.push_back(id);
	return ids;
}

std::string TargetBook::dir_of(const Target &t) const
{
	return join_cgroup_path(cgroup_root_, t.cgroup_path);
}

bool TargetBook::alive(const Target &t) const
{
	struct stat st {};
	std::string dir = dir_of(t);
	// A new cgroup at the same path is another container: compare ids.
	return stat(dir.c_str(), &st) == 0 && st.st_ino == t.cgroup_id;
}

std::vector<Target> TargetBook::take_exited()
{
	std::vector<Target> gone;
	for (auto it = targets_.begin(); it != targets_.end();) {
		if (alive(it->second)) {
			++it;
			continue;
		}
		gone.push_back(std::move(it->second));
		it = targets_.erase(it);
	}
	return gone;
}

std::vector<std::uint64_t> TargetBook::take_vanished()
{
	std::vector<std::uint64_t> gone;
	for (auto it = named_.begin(); it != named_.end();) {
		// Unnamed ("cgroup:<id>") cgroups have no path to check.
		if (it->second.cgroup_path.empty() || alive(it->second)) {
			++it;
			continue;
		}
		gone.push_back(it->first);
		it = named_.erase(it);
	}
	return gone;
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "watch/target_book.h"

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

bool TargetBook::is_explicit(std::uint64_t cgroup_id) const
{
	return targets_.count(cgroup_id) != 0;
}

std::vector<Target> TargetBook::take_exited()
{
	std::vector<Target> gone;
	for (auto it = targets_.begin(); it != targets_.end();) {
		struct stat st {};
		std::string dir = join_cgroup_path(cgroup_root_, it->second.cgroup_path);
		// A new cgroup at the same path is another container: compare ids.
		if (stat(dir.c_str(), &st) == 0 && st.st_ino == it->first) {
			++it;
			continue;
		}
		gone.push_back(std::move(it->second));
		it = targets_.erase(it);
	}
	return gone;
}

} // namespace bpfwatch

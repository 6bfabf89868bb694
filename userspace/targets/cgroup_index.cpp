// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/cgroup_index.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace bpfwatch {
namespace {

using PathMap = std::unordered_map<std::uint64_t, std::string>;

struct Walk {
	const CgroupIndexLimits &limits;
	PathMap &out;
	bool truncated = false;

	// Takes ownership of `fd`. Works relative to directory fds so that a
	// cgroup removed mid-walk costs one failed openat, not a wrong path.
	void dir(int fd, const std::string &rel, int depth)
	{
		DIR *d = fdopendir(fd);
		if (!d) {
			close(fd);
			return;
		}
		while (struct dirent *e = readdir(d)) {
			if (truncated)
				break;
			if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
				continue;
			if (!std::strcmp(e->d_name, ".") || !std::strcmp(e->d_name, ".."))
				continue;
			int child = openat(dirfd(d), e->d_name,
					   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (child < 0)
				continue;
			struct stat st {};
			if (fstat(child, &st) != 0) {
				close(child);
				continue;
			}
			std::string path = (rel == "/" ? "" : rel) + "/" + e->d_name;
			out[st.st_ino] = path;
			if (out.size() >= limits.max_entries)
				truncated = true;
			if (depth + 1 < limits.max_depth && !truncated)
				dir(child, path, depth + 1);
			else
				close(child);
		}
		closedir(d);
	}
};

} // namespace

CgroupIndex::CgroupIndex(std::string root, CgroupIndexLimits limits)
	: root_(std::move(root)), limits_(limits)
{
}

void CgroupIndex::rescan()
{
	last_scan_ = std::chrono::steady_clock::now();
	PathMap fresh;
	Walk walk{limits_, fresh};
	int fd = open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		struct stat st {};
		if (fstat(fd, &st) == 0)
			fresh.try_emplace(st.st_ino, 1, '/');
		walk.dir(fd, "/", 0);
	}
	truncated_ = walk.truncated;
	// Keep what is gone while there is room: events of a container that
	// just exited still arrive after its cgroup was removed.
	if (fresh.size() + paths_.size() <= limits_.max_entries)
		fresh.merge(paths_);
	paths_ = std::move(fresh);
}

std::optional<std::string> CgroupIndex::path_of(std::uint64_t id)
{
	auto it = paths_.find(id);
	if (it != paths_.end())
		return it->second;
	auto now = std::chrono::steady_clock::now();
	if (last_scan_ && now - *last_scan_ < limits_.min_rescan)
		return std::nullopt;
	rescan();
	it = paths_.find(id);
	if (it == paths_.end())
		return std::nullopt;
	return it->second;
}

std::vector<ContainerCgroup> scan_container_cgroups(const std::string &root, CgroupIndexLimits limits)
{
	CgroupIndex index(root, limits);
	index.rescan();
	std::vector<ContainerCgroup> out;
	for (const auto &[id, path] : index.paths())
		if (auto ref = container_from_cgroup_path(path))
			out.push_back({path, id, *ref});
	std::sort(out.begin(), out.end(),
		  [](const ContainerCgroup &a, const ContainerCgroup &b) { return a.path < b.path; });
	return out;
}

} // namespace bpfwatch

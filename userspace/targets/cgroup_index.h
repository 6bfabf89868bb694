// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// cgroup id -> path, for naming cgroups seen in events. The kernel offers no
// cheap reverse lookup without CAP_DAC_READ_SEARCH (open_by_handle_at), so
// this walks the v2 tree and caches what it saw. Not thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "targets/container_id.h"

namespace bpfwatch {

struct CgroupIndexLimits {
	int max_depth = 16;              // kubepods under systemd is ~6 deep
	std::size_t max_entries = 65536; // a big host has a few thousand cgroups
	// A miss rescans at most this often: ids of cgroups that are already
	// gone keep missing, and every miss must not cost a full walk.
	std::chrono::milliseconds min_rescan{1000};
};

class CgroupIndex {
public:
	explicit CgroupIndex(std::string root, CgroupIndexLimits limits = {});

	// The path of `id` relative to the root ("/docker/<id>"; "/" for the
	// root itself), or nullopt when it is not in the tree.
	std::optional<std::string> path_of(std::uint64_t id);

	// Walk the tree now, whatever the rate limit says.
	void rescan();

	const std::string &root() const { return root_; }
	std::size_t size() const { return paths_.size(); }
	// The last walk stopped at max_entries.
	bool truncated() const { return truncated_; }
	// Every id -> path known (the last walk, and earlier ones while room).
	const std::unordered_map<std::uint64_t, std::string> &paths() const { return paths_; }

private:
	std::string root_;
	CgroupIndexLimits limits_;
	std::unordered_map<std::uint64_t, std::string> paths_;
	std::optional<std::chrono::steady_clock::time_point> last_scan_;
	bool truncated_ = false;
};

// A cgroup whose path names a container (container_from_cgroup_path).
struct ContainerCgroup {
	std::string path;       // relative to the v2 root
	std::uint64_t id = 0;   // its inode
	ContainerRef ref;
};

// Every container-shaped cgroup under `root` now, sorted by path: what is
// left to show when no runtime answers, and how CRI-O's containers are
// found (its API lists none). A cgroup nested in a container's (podman's
// .../libpod-<id>.scope/container) is listed too, with the same ref.id.
std::vector<ContainerCgroup> scan_container_cgroups(const std::string &root,
						    CgroupIndexLimits limits = {});

} // namespace bpfwatch

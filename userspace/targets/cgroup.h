// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// cgroup v2 plumbing: where the v2 hierarchy is mounted, which v2 cgroup a
// process is in, and the id of a cgroup. Parsers take text and file
// functions take roots, so tests run on fixtures and the toolbox container
// can point them at the host's /proc and /sys mounted elsewhere.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bpfwatch {

// One cgroup2 line of /proc/self/mountinfo.
struct CgroupMount {
	std::string mount_point; // "/sys/fs/cgroup" (pure v2), ".../unified" (hybrid)
	std::string root;        // "/" unless a cgroup namespace narrowed the view
};

// Undo mountinfo's octal escapes: "\040" is a space, "\011" a tab, ...
std::string unescape_mountinfo(std::string_view field);

// The cgroup2 mount to use, from the text of /proc/self/mountinfo. Prefers
// a mount of the whole hierarchy (root "/") over a narrowed one.
std::optional<CgroupMount> find_cgroup2_mount(std::string_view mountinfo);

// The v2 path ("/docker/<id>") from the text of /proc/PID/cgroup, in v2,
// hybrid or v1 layout. `source` names the file in the error when the
// process has no v2 entry.
std::string parse_proc_cgroup_v2(std::string_view text, const std::string &source);

// The cgroup v2 mount point seen by this process, from `mountinfo_path`.
std::string detect_cgroup2_root(const std::string &mountinfo_path = "/proc/self/mountinfo");

// The v2 path of `pid`, read from <proc_root>/<pid>/cgroup.
std::string cgroup_path_of_pid(pid_t pid, const std::string &proc_root = "/proc");

// The id of the cgroup directory `dir`: its inode number, which is what
// bpf_get_current_cgroup_id() returns for tasks in it.
std::uint64_t cgroup_id_of_dir(const std::string &dir);

// "<root>" + "/docker/x" with exactly one slash between them.
std::string join_cgroup_path(const std::string &root, std::string_view rel);

// A path given by the user, as a path relative to the v2 root ("/a/b").
// Accepts "/a/b", "a/b" and "<root>/a/b"; drops trailing slashes.
std::string relative_cgroup_path(const std::string &root, std::string_view path);

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "cgroup.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <stdexcept>

#include "targets/cgroup.h"
#include "util.h"

namespace bench {
namespace {

constexpr const char *kPrefix = "bpfwatch-bench-";

std::uint64_t make_dir(const std::string &path)
{
	if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
		fail_errno("mkdir " + path, errno);
	struct stat st {};
	if (stat(path.c_str(), &st) != 0)
		fail_errno("stat " + path, errno);
	return st.st_ino; // the v2 cgroup id bpf_get_current_cgroup_id() returns
}

// Our v2 cgroup, relative to the mount; "" for the root.
std::string own_cgroup()
{
	std::string path = bpfwatch::cgroup_path_of_pid(getpid());
	return path == "/" ? "" : path;
}

} // namespace

std::string cgroup2_mount()
{
	return bpfwatch::detect_cgroup2_root();
}

void remove_stale_cgroups()
{
	std::string mount = cgroup2_mount();
	DIR *d = opendir(mount.c_str());
	if (!d)
		return;
	while (dirent *e = readdir(d))
		if (std::string(e->d_name).rfind(kPrefix, 0) == 0)
			rmdir((mount + "/" + e->d_name).c_str()); // fails unless empty
	closedir(d);
}

BenchCgroups::BenchCgroups() : mount_(cgroup2_mount()), origin_rel_(own_cgroup())
{
	std::string pid = std::to_string(getpid());
	watched_rel_ = "/" + std::string(kPrefix) + pid;
	other_rel_ = "/" + std::string(kPrefix) + pid + "-other";
	watched_id_ = make_dir(mount_ + watched_rel_);
	try {
		other_id_ = make_dir(mount_ + other_rel_);
		// Every thread of the process moves with it (domain cgroup).
		write_file(mount_ + watched_rel_ + "/cgroup.procs", pid);
		moved_ = true;
	} catch (...) {
		rmdir((mount_ + other_rel_).c_str());
		rmdir((mount_ + watched_rel_).c_str());
		throw;
	}
}

BenchCgroups::~BenchCgroups()
{
	if (moved_) {
		try {
			write_file(origin_procs(), std::to_string(getpid()));
		} catch (...) {
			// The origin is gone: the root always takes us.
			try {
				write_file(mount_ + "/cgroup.procs", std::to_string(getpid()));
			} catch (...) {
			}
		}
	}
	rmdir((mount_ + other_rel_).c_str());
	// The move out is seen at once, but retry briefly in case a reaped
	// child's exit is still being accounted.
	for (int i = 0; i < 50 && rmdir((mount_ + watched_rel_).c_str()) != 0 && errno == EBUSY; i++)
		usleep(20000);
}

} // namespace bench

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The whole chain against a real dockerd: name -> inspect -> pid ->
// /proc/PID/cgroup -> v2 path -> cgroup id. Skips unless run as root with a
// daemon and the offline test image present.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "support/skip.h"
#include "targets/cgroup.h"
#include "targets/resolver.h"
#include "test_targets_fixture.h"

namespace bpfwatch {
namespace {

const char *kSocket = "/var/run/docker.sock";
// Built offline by tests/e2e/support/build-busybox-image (scripts/test).
const char *kImage = "bpfwatch-test-busybox:latest";

std::string run(const std::string &cmd)
{
	std::string out;
	FILE *p = popen(cmd.c_str(), "r");
	if (!p)
		return out;
	char buf[256];
	while (fgets(buf, sizeof(buf), p))
		out += buf;
	if (pclose(p) != 0)
		return "";
	while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
		out.pop_back();
	return out;
}

// Removes the container however the test ends.
struct ContainerGuard {
	std::string name;
	~ContainerGuard() { run("docker rm -f " + name + " >/dev/null 2>&1"); }
};

// The id the kernel itself uses for the cgroup, from its file handle: on
// cgroupfs the handle is the kernfs node id, the very value
// bpf_get_current_cgroup_id() returns. -1 when handles are unsupported.
std::int64_t kernfs_id(const std::string &path)
{
	struct {
		struct file_handle fh;
		unsigned char bytes[64];
	} h{};
	h.fh.handle_bytes = sizeof(h.bytes);
	int mount_id = 0;
	if (name_to_handle_at(AT_FDCWD, path.c_str(), &h.fh, &mount_id, 0) != 0 ||
	    h.fh.handle_bytes != 8)
		return -1;
	std::uint64_t id = 0;
	std::memcpy(&id, h.fh.f_handle, sizeof(id));
	return static_cast<std::int64_t>(id);
}

TEST(TargetsLiveDocker, ResolvesARunningContainer)
{
	// scripts/test provides root, dockerd and the image, and says so.
	std::string missing;
	struct stat st {};
	if (geteuid() != 0)
		missing = "needs root (reads other processes' /proc/PID/cgroup)";
	else if (stat(kSocket, &st) != 0 || !S_ISSOCK(st.st_mode))
		missing = std::string(kSocket) + " absent: no dockerd here";
	else if (run(std::string("docker image inspect -f '{{.Id}}' ") + kImage + " 2>/dev/null").empty())
		missing = std::string("image ") + kImage + " missing (tests/e2e/support/build-busybox-image)";
	if (!missing.empty())
		BW_SKIP_OR_FAIL(missing);

	ContainerGuard guard{"bwtest-resolve-" + std::to_string(getpid())};
	std::string id = run("docker run -d --name " + guard.name + " " + kImage + " sleep 30");
	ASSERT_EQ(id.size(), 64u) << "docker run failed: '" << id << "'";

	ResolveOptions opts;
	opts.containers = {guard.name};
	auto targets = resolve_targets(opts);
	ASSERT_EQ(targets.size(), 1u);
	const Target &t = targets[0];
	EXPECT_EQ(t.name, guard.name);
	EXPECT_EQ(t.runtime, "docker");
	EXPECT_EQ(t.container_id, id);
	EXPECT_GT(t.pid, 0);

	// cgroupfs driver (this machine) or systemd driver (most pure v2 hosts).
	std::string root = detect_cgroup2_root();
	std::string dir = root + "/docker/" + id;
	if (stat(dir.c_str(), &st) != 0)
		dir = root + "/system.slice/docker-" + id + ".scope";
	ASSERT_EQ(stat(dir.c_str(), &st), 0) << dir;
	EXPECT_EQ(t.cgroup_id, st.st_ino) << dir;
	EXPECT_EQ(join_cgroup_path(root, t.cgroup_path), dir);
	std::int64_t kid = kernfs_id(dir);
	if (kid >= 0) {
		EXPECT_EQ(t.cgroup_id, static_cast<std::uint64_t>(kid));
	}

	// The same container by id prefix, and named back from its id.
	opts.containers = {id.substr(0, 12)};
	EXPECT_EQ(resolve_targets(opts).at(0).cgroup_id, t.cgroup_id);
	auto namer = CgroupNamer::from_options(ResolveOptions{});
	Target named = namer->describe(t.cgroup_id);
	EXPECT_EQ(named.name, guard.name);
	EXPECT_EQ(named.container_id, id);
}

} // namespace
} // namespace bpfwatch

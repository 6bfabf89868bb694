// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// /proc/PID/cgroup and mountinfo parsing for v1, v2 and hybrid hosts.
#include <gtest/gtest.h>

#include "support/skip.h"
#include "targets/cgroup.h"
#include "test_targets_fixture.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

using test::fixture;
using test::fixture_path;
using test::ScratchDir;

constexpr const char *kT1 = "e1dc054a23dc57b8f54ceaec17f4b17be8d2abf8cb04cf39217197dfc01c4cc5";

TEST(ProcCgroup, HybridTakesTheV2Line)
{
	EXPECT_EQ(parse_proc_cgroup_v2(fixture("proc_cgroup_hybrid.txt"), "f"),
		  std::string("/docker/") + kT1);
}

TEST(ProcCgroup, PureV2)
{
	EXPECT_EQ(parse_proc_cgroup_v2(fixture("proc_cgroup_v2.txt"), "f"),
		  "/system.slice/docker-3291a8c60a29e8b760f7d53ee3be573a75e05281af5421aa969fbff6b275414d.scope");
}

TEST(ProcCgroup, V1OnlyIsAnErrorNamingTheFile)
{
	try {
		parse_proc_cgroup_v2(fixture("proc_cgroup_v1.txt"), "/proc/42/cgroup");
		FAIL() << "expected Error";
	} catch (const Error &e) {
		EXPECT_NE(std::string(e.what()).find("/proc/42/cgroup has no cgroup v2 entry"),
			  std::string::npos)
			<< e.what();
	}
}

TEST(ProcCgroup, EdgeShapes)
{
	EXPECT_EQ(parse_proc_cgroup_v2("0::/\n", "f"), "/");
	// Only the first two colons separate fields.
	EXPECT_EQ(parse_proc_cgroup_v2("0::/odd:name\n", "f"), "/odd:name");
	EXPECT_EQ(parse_proc_cgroup_v2("1:name=systemd:/x\n0::/y", "f"), "/y");
	// The v2 line has no controllers; anything else is not it.
	EXPECT_THROW(parse_proc_cgroup_v2("0:cpu:/x\n", "f"), Error);
	EXPECT_THROW(parse_proc_cgroup_v2("", "f"), Error);
	EXPECT_THROW(parse_proc_cgroup_v2("0::relative\n", "f"), Error);
}

TEST(Mountinfo, Unescape)
{
	EXPECT_EQ(unescape_mountinfo("/host\\040root/sys"), "/host root/sys");
	EXPECT_EQ(unescape_mountinfo("a\\011b\\012c\\134d"), "a\tb\nc\\d");
	EXPECT_EQ(unescape_mountinfo("/plain"), "/plain");
	// Not a complete escape: left alone.
	EXPECT_EQ(unescape_mountinfo("/x\\04"), "/x\\04");
	EXPECT_EQ(unescape_mountinfo("/x\\9"), "/x\\9");
}

TEST(Mountinfo, Hybrid)
{
	auto m = find_cgroup2_mount(fixture("mountinfo_hybrid.txt"));
	ASSERT_TRUE(m);
	EXPECT_EQ(m->mount_point, "/sys/fs/cgroup/unified");
	EXPECT_EQ(m->root, "/");
}

TEST(Mountinfo, PureV2WithOptionalFields)
{
	auto m = find_cgroup2_mount(fixture("mountinfo_v2.txt"));
	ASSERT_TRUE(m);
	EXPECT_EQ(m->mount_point, "/sys/fs/cgroup");
}

TEST(Mountinfo, V1OnlyHasNone)
{
	EXPECT_FALSE(find_cgroup2_mount(fixture("mountinfo_v1.txt")));
	EXPECT_FALSE(find_cgroup2_mount(""));
}

TEST(Mountinfo, ToolboxPrefersTheWholeHierarchy)
{
	auto m = find_cgroup2_mount(fixture("mountinfo_toolbox.txt"));
	ASSERT_TRUE(m);
	EXPECT_EQ(m->mount_point, "/host root/sys/fs/cgroup");
	EXPECT_EQ(m->root, "/");
}

TEST(Mountinfo, NarrowedMountIsTheFallback)
{
	auto m = find_cgroup2_mount(
		"617 616 0:30 /docker/abc /sys/fs/cgroup ro,relatime - cgroup2 cgroup rw\n");
	ASSERT_TRUE(m);
	EXPECT_EQ(m->mount_point, "/sys/fs/cgroup");
	EXPECT_EQ(m->root, "/docker/abc");
}

TEST(Mountinfo, FstypeIsFoundAfterTheSeparator)
{
	// A mount point named "cgroup2" must not fool the parser.
	EXPECT_FALSE(find_cgroup2_mount("40 31 0:37 / /cgroup2 rw shared:3 - tmpfs cgroup2 rw\n"));
	EXPECT_FALSE(find_cgroup2_mount("garbage line\n\n"));
}

TEST(Mountinfo, DetectFromFile)
{
	EXPECT_EQ(detect_cgroup2_root(fixture_path("mountinfo_v2.txt")), "/sys/fs/cgroup");
	EXPECT_EQ(detect_cgroup2_root(fixture_path("mountinfo_hybrid.txt")),
		  "/sys/fs/cgroup/unified");
	EXPECT_THROW(detect_cgroup2_root(fixture_path("mountinfo_v1.txt")), Error);
	EXPECT_THROW(detect_cgroup2_root("/nonexistent/mountinfo"), Error);
}

TEST(CgroupPaths, Relative)
{
	const std::string root = "/sys/fs/cgroup/unified";
	EXPECT_EQ(relative_cgroup_path(root, "/docker/abc"), "/docker/abc");
	EXPECT_EQ(relative_cgroup_path(root, "docker/abc/"), "/docker/abc");
	EXPECT_EQ(relative_cgroup_path(root, "/sys/fs/cgroup/unified/docker/abc"), "/docker/abc");
	EXPECT_EQ(relative_cgroup_path(root + "/", "/sys/fs/cgroup/unified"), "/");
	EXPECT_EQ(relative_cgroup_path(root, "//a/./b"), "/a/b");
	// Only a whole component counts as under the root.
	EXPECT_EQ(relative_cgroup_path(root, "/sys/fs/cgroup/unifiedX"), "/sys/fs/cgroup/unifiedX");
	EXPECT_THROW(relative_cgroup_path(root, "/docker/../../etc"), Error);
}

TEST(CgroupPaths, Join)
{
	EXPECT_EQ(join_cgroup_path("/sys/fs/cgroup", "/docker/x"), "/sys/fs/cgroup/docker/x");
	EXPECT_EQ(join_cgroup_path("/sys/fs/cgroup/", "docker"), "/sys/fs/cgroup/docker");
	EXPECT_EQ(join_cgroup_path("/sys/fs/cgroup", "/"), "/sys/fs/cgroup");
	EXPECT_EQ(join_cgroup_path("/", "/a"), "/a");
}

TEST(CgroupPaths, PidUnderAnotherProcRoot)
{
	ScratchDir proc;
	proc.write("/4242/cgroup", fixture("proc_cgroup_hybrid.txt"));
	proc.write("/77/cgroup", "0::/../../docker/x\n");
	EXPECT_EQ(cgroup_path_of_pid(4242, proc.path()), std::string("/docker/") + kT1);
	try {
		cgroup_path_of_pid(99, proc.path());
		FAIL() << "expected Error";
	} catch (const Error &e) {
		EXPECT_NE(std::string(e.what()).find("no process with pid 99"), std::string::npos)
			<< e.what();
	}
	// Another cgroup namespace's view cannot be found under our mount.
	EXPECT_THROW(cgroup_path_of_pid(77, proc.path()), Error);
}

TEST(CgroupPaths, PidOfThisProcess)
{
	// Every Linux process is in some cgroup; on v1-only hosts there is no
	// v2 line, which is the one case allowed to fail.
	try {
		std::string p = cgroup_path_of_pid(getpid());
		EXPECT_EQ(p.front(), '/');
	} catch (const Error &e) {
		BW_SKIP_OR_FAIL(std::string("no cgroup v2 here: ") + e.what());
	}
}

TEST(CgroupId, IsTheDirectoryInode)
{
	ScratchDir root;
	std::string dir = root.mkdirs("/docker/abc");
	EXPECT_EQ(cgroup_id_of_dir(dir), test::inode_of(dir));
	EXPECT_THROW(cgroup_id_of_dir(root.path() + "/missing"), Error);
	root.write("/file", "x");
	EXPECT_THROW(cgroup_id_of_dir(root.path() + "/file"), Error);
}

} // namespace
} // namespace bpfwatch

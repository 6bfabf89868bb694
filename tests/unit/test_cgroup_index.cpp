// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// cgroup id -> path over a scratch tree: plain directories stand in for
// cgroupfs, whose ids are directory inodes all the same.
#include <gtest/gtest.h>

#include <filesystem>

#include "targets/cgroup_index.h"
#include "test_targets_fixture.h"

namespace bpfwatch {
namespace {

using test::inode_of;
using test::ScratchDir;
using namespace std::chrono_literals;

TEST(CgroupIndex, FindsRootAndNestedDirectories)
{
	ScratchDir root;
	std::string deep = root.mkdirs("/system.slice/docker-x.scope/inner");
	root.write("/system.slice/cgroup.procs", "1\n"); // files are skipped
	CgroupIndex index(root.path());
	EXPECT_EQ(index.path_of(inode_of(root.path())), "/");
	EXPECT_EQ(index.path_of(inode_of(deep)), "/system.slice/docker-x.scope/inner");
	EXPECT_EQ(index.path_of(inode_of(root.path() + "/system.slice")), "/system.slice");
	EXPECT_EQ(index.size(), 4u);
	EXPECT_FALSE(index.truncated());
}

TEST(CgroupIndex, MissRescansOnlyAfterTheInterval)
{
	ScratchDir root;
	CgroupIndex slow(root.path(), CgroupIndexLimits{16, 1000, 1h});
	EXPECT_FALSE(slow.path_of(12345)); // first miss: the initial walk
	std::string late = root.mkdirs("/docker/late");
	EXPECT_FALSE(slow.path_of(inode_of(late))) << "rescanned inside the interval";
	slow.rescan();
	EXPECT_EQ(slow.path_of(inode_of(late)), "/docker/late");

	CgroupIndex eager(root.path(), CgroupIndexLimits{16, 1000, 0ms});
	EXPECT_FALSE(eager.path_of(12345));
	std::string later = root.mkdirs("/docker/later");
	EXPECT_EQ(eager.path_of(inode_of(later)), "/docker/later");
}

TEST(CgroupIndex, RemembersRemovedCgroups)
{
	ScratchDir root;
	std::string gone = root.mkdirs("/docker/gone");
	std::uint64_t id = inode_of(gone);
	CgroupIndex index(root.path(), CgroupIndexLimits{16, 1000, 0ms});
	EXPECT_EQ(index.path_of(id), "/docker/gone");
	std::filesystem::remove(gone);
	index.rescan();
	// Late events of an exited container still get its name.
	EXPECT_EQ(index.path_of(id), "/docker/gone");
}

TEST(CgroupIndex, DepthAndEntryLimits)
{
	ScratchDir root;
	std::string deep = root.mkdirs("/a/b/c/d");
	CgroupIndex shallow(root.path(), CgroupIndexLimits{2, 1000, 1h});
	EXPECT_EQ(shallow.path_of(inode_of(root.path() + "/a/b")), "/a/b");
	EXPECT_FALSE(shallow.path_of(inode_of(deep)));

	for (int i = 0; i < 10; i++)
		root.mkdirs("/many/" + std::to_string(i));
	CgroupIndex small(root.path(), CgroupIndexLimits{16, 5, 1h});
	small.rescan();
	EXPECT_TRUE(small.truncated());
	EXPECT_LE(small.size(), 5u);
}

TEST(CgroupIndex, MissingRootIsEmptyNotAnError)
{
	CgroupIndex index("/nonexistent/cgroup/root");
	EXPECT_FALSE(index.path_of(1));
	EXPECT_EQ(index.size(), 0u);
}

} // namespace
} // namespace bpfwatch

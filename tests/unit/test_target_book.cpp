// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// TargetBook on a scratch directory standing in for the cgroup v2 root.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "support/skip.h"
#include "session/target_book.h"

namespace bpfwatch {
namespace {

class TargetBookTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		char tmpl[] = "/tmp/bpfwatch-book-XXXXXX";
		root_ = mkdtemp(tmpl);
	}
	void TearDown() override { std::system(("rm -rf " + root_).c_str()); }

	Target make(const std::string &rel)
	{
		mkdir((root_ + rel).c_str(), 0755);
		struct stat st {};
		stat((root_ + rel).c_str(), &st);
		Target t;
		t.name = rel;
		t.cgroup_path = rel;
		t.cgroup_id = st.st_ino;
		return t;
	}

	std::string root_;
};

TEST_F(TargetBookTest, ExplicitTargetsExitWhenTheirDirectoryGoes)
{
	Target a = make("/a"), b = make("/b");
	TargetBook book({a, b}, root_, [](std::uint64_t) { return Target{}; });
	EXPECT_FALSE(book.watching_everything());
	EXPECT_TRUE(book.take_exited().empty());
	rmdir((root_ + "/a").c_str());
	auto gone = book.take_exited();
	ASSERT_EQ(gone.size(), 1u);
	EXPECT_EQ(gone[0].name, "/a");
	EXPECT_TRUE(book.take_exited().empty()) << "reported once";
	EXPECT_FALSE(book.empty());
	rmdir((root_ + "/b").c_str());
	EXPECT_EQ(book.take_exited().size(), 1u);
	EXPECT_TRUE(book.empty());
}

TEST_F(TargetBookTest, ADirectoryRecreatedAtTheSamePathIsAnotherCgroup)
{
	Target a = make("/a");
	TargetBook book({a}, root_, [](std::uint64_t) { return Target{}; });
	// Recreate /a until it has a new inode number (the fillers take the
	// freed one, if the filesystem reuses it at once); bounded.
	struct stat st {};
	for (int i = 0; i < 20 && (i == 0 || st.st_ino == a.cgroup_id); i++) {
		rmdir((root_ + "/a").c_str());
		make("/x" + std::to_string(i));
		make("/a");
		stat((root_ + "/a").c_str(), &st);
	}
	if (st.st_ino == a.cgroup_id)
		BW_SKIP_OR_FAIL("the filesystem gave /a its old inode number 20 times over");
	EXPECT_EQ(book.take_exited().size(), 1u);
}

TEST_F(TargetBookTest, DiscoveredCgroupsAreNamedOnceAndDroppedWhenGone)
{
	Target c = make("/c");
	int calls = 0;
	TargetBook book({}, root_, [&](std::uint64_t id) {
		calls++;
		Target t = c;
		t.cgroup_id = id;
		return t;
	});
	EXPECT_TRUE(book.watching_everything());
	EXPECT_EQ(book.target(c.cgroup_id).name, "/c");
	EXPECT_EQ(book.target(c.cgroup_id).name, "/c");
	EXPECT_EQ(calls, 1);
	EXPECT_TRUE(book.take_vanished().empty());
	rmdir((root_ + "/c").c_str());
	EXPECT_EQ(book.take_vanished(), std::vector<std::uint64_t>{c.cgroup_id});
	EXPECT_TRUE(book.take_vanished().empty());
}

} // namespace
} // namespace bpfwatch

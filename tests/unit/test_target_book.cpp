// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// TargetBook on a scratch directory standing in for the cgroup v2 root.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

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

TEST_F(TargetBookTest, ExplicitTargetsTakeSlotsInOrderAndKnowWhenTheirCgroupGoes)
{
	Target a = make("/a"), b = make("/b");
	TargetBook book({a, b}, root_, [](std::uint64_t) { return Target{}; });
	EXPECT_FALSE(book.watching_everything());
	ASSERT_EQ(book.watched().size(), 2u);
	EXPECT_EQ(book.watched()[0].slot, 0u);
	EXPECT_EQ(book.watched()[1].slot, 1u);
	EXPECT_EQ(book.explicit_keys(), (std::vector<std::uint64_t>{a.cgroup_id, b.cgroup_id}));
	EXPECT_TRUE(book.alive(a));
	rmdir((root_ + "/a").c_str());
	EXPECT_FALSE(book.alive(a));
	EXPECT_TRUE(book.alive(b));
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
	ASSERT_NE(st.st_ino, a.cgroup_id) << "the filesystem gave /a its old inode number 20 times over";
	EXPECT_FALSE(book.alive(a));
}

// A followed target's lives: one key for good, every cgroup it had maps
// to it, and the target is as it is now.
TEST_F(TargetBookTest, AMovedTargetKeepsItsKeyAndEveryCgroupMapsToIt)
{
	Target a = make("/a");
	a.query = "web";
	a.container_id = "1111";
	TargetBook book({a}, root_, [](std::uint64_t id) {
		Target t;
		t.name = "cgroup:" + std::to_string(id);
		return t;
	});
	Watched &w = book.watched()[0];
	Target b = make("/b");
	b.container_id = "2222";
	book.moved(w, b, Watched::Clock::now());
	EXPECT_EQ(w.key, a.cgroup_id);
	EXPECT_EQ(book.key_of(a.cgroup_id), a.cgroup_id);
	EXPECT_EQ(book.key_of(b.cgroup_id), a.cgroup_id);
	EXPECT_EQ(book.key_of(12345), 12345u) << "any other cgroup is its own key";
	EXPECT_EQ(w.restarts, 1);
	EXPECT_EQ(w.cgroups, (std::vector<std::uint64_t>{a.cgroup_id, b.cgroup_id}));
	EXPECT_EQ(w.state, Watched::State::running);
	EXPECT_EQ(book.target(a.cgroup_id).container_id, "2222");
	EXPECT_EQ(book.target(a.cgroup_id).query, "web") << "still found by what the user named";
	EXPECT_EQ(book.watched_by_key(a.cgroup_id), &w);
	EXPECT_EQ(book.watched_by_key(b.cgroup_id), nullptr) << "keys, not cgroups";
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

// A container first seen while its runtime did not answer is named by its
// cgroup path; once the runtime answers, it gets its name.
TEST_F(TargetBookTest, PathNamedContainersAreRenamedWhenTheRuntimeAnswers)
{
	Target c = make("/c");
	bool runtime_up = false;
	TargetBook book({}, root_, [&](std::uint64_t id) {
		Target t = c;
		t.cgroup_id = id;
		t.container_id = "3f2a";
		t.name_source = runtime_up ? "docker" : "cgroup path";
		t.name = runtime_up ? "web" : "/c";
		return t;
	});
	EXPECT_EQ(book.target(c.cgroup_id).name, "/c");
	EXPECT_FALSE(book.rename_unnamed()) << "still down";
	EXPECT_EQ(book.target(c.cgroup_id).name, "/c");
	runtime_up = true;
	EXPECT_TRUE(book.rename_unnamed());
	EXPECT_EQ(book.target(c.cgroup_id).name, "web");
	EXPECT_FALSE(book.rename_unnamed()) << "named for good";
}

} // namespace
} // namespace bpfwatch

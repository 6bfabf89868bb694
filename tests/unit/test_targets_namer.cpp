// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Naming cgroups seen in events ("watch everything"), over a scratch cgroup
// tree and a fixture-fed runtime whose calls are counted.
#include <gtest/gtest.h>

#include "targets/docker.h"
#include "targets/resolver.h"
#include "test_targets_fake_source.h"
#include "test_targets_fixture.h"

namespace bpfwatch {
namespace {

using test::FakeSource;
using test::fixture;
using test::inode_of;
using test::ScratchDir;
using namespace std::chrono_literals;

const std::string kWeb = "3291a8c60a29e8b760f7d53ee3be573a75e05281af5421aa969fbff6b275414d";
const std::string kGhost = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

class NamerTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		web = inode_of(cgroups.mkdirs("/docker/" + kWeb));
		ghost = inode_of(cgroups.mkdirs("/system.slice/docker-" + kGhost + ".scope"));
		plain = inode_of(cgroups.mkdirs("/system.slice/ssh.service"));
		auto src = std::make_unique<FakeSource>(
			parse_container_list(fixture("docker_containers_list.json")));
		source = src.get();
		namer = std::make_unique<CgroupNamer>(cgroups.path(), std::move(src), opts());
	}

	virtual NamerOptions opts() { return NamerOptions{1h, 1h, CgroupIndexLimits{16, 1000, 0ms}}; }

	ScratchDir cgroups;
	std::uint64_t web = 0, ghost = 0, plain = 0;
	FakeSource *source = nullptr;
	std::unique_ptr<CgroupNamer> namer;
};

TEST_F(NamerTest, ContainerByRuntimeName)
{
	Target t = namer->describe(web);
	EXPECT_EQ(t.name, "bwfx-web");
	EXPECT_EQ(t.runtime, "docker");
	EXPECT_EQ(t.container_id, kWeb);
	EXPECT_EQ(t.cgroup_path, "/docker/" + kWeb);
	EXPECT_EQ(t.cgroup_id, web);
}

TEST_F(NamerTest, UnknownContainerByPath)
{
	Target t = namer->describe(ghost);
	EXPECT_EQ(t.name, "/system.slice/docker-" + kGhost + ".scope");
	EXPECT_EQ(t.runtime, "docker") << "guessed from the path";
	EXPECT_EQ(t.container_id, kGhost);
}

TEST_F(NamerTest, PlainCgroupAndUnknownId)
{
	Target t = namer->describe(plain);
	EXPECT_EQ(t.name, "/system.slice/ssh.service");
	EXPECT_EQ(t.runtime, "cgroup");
	EXPECT_TRUE(t.container_id.empty());
	EXPECT_EQ(source->list_calls, 0) << "no container, no runtime call";

	Target u = namer->describe(987654321);
	EXPECT_EQ(u.name, "cgroup:987654321");
	EXPECT_TRUE(u.cgroup_path.empty());
	EXPECT_EQ(namer->describe(inode_of(cgroups.path())).name, "/");
}

TEST_F(NamerTest, ListIsCachedAndRefreshedAtMostOncePerInterval)
{
	namer->describe(web);
	namer->describe(web);
	namer->describe(ghost); // a miss, but within list_refresh
	namer->describe(ghost);
	EXPECT_EQ(source->list_calls, 1);
}

TEST_F(NamerTest, RuntimeFailureIsCachedAndNamesFallBackToPaths)
{
	source->failure = "docker socket /x not found";
	EXPECT_EQ(namer->describe(web).name, "/docker/" + kWeb);
	EXPECT_EQ(namer->describe(ghost).name, "/system.slice/docker-" + kGhost + ".scope");
	EXPECT_EQ(source->list_calls, 1);
	EXPECT_EQ(namer->runtime_error(), "docker socket /x not found");
}

class EagerNamerTest : public NamerTest {
protected:
	NamerOptions opts() override { return NamerOptions{0ms, 0ms, CgroupIndexLimits{16, 1000, 0ms}}; }
};

TEST_F(EagerNamerTest, NewContainerIsNamedOnceListed)
{
	EXPECT_EQ(namer->describe(ghost).runtime, "docker");
	source->running_.push_back({kGhost, {"late"}, "", "running", 0});
	EXPECT_EQ(namer->describe(ghost).name, "late");
	EXPECT_EQ(source->list_calls, 2);
}

TEST_F(EagerNamerTest, RecoversAfterTheRuntimeComesBack)
{
	source->failure = "down";
	EXPECT_EQ(namer->describe(web).name, "/docker/" + kWeb);
	source->failure.clear();
	EXPECT_EQ(namer->describe(web).name, "bwfx-web");
	EXPECT_FALSE(namer->runtime_error());
}

TEST(CgroupNamer, WithoutARuntime)
{
	ScratchDir cgroups;
	auto id = inode_of(cgroups.mkdirs("/docker/" + kWeb));
	CgroupNamer namer(cgroups.path(), nullptr);
	Target t = namer.describe(id);
	EXPECT_EQ(t.name, "/docker/" + kWeb);
	EXPECT_EQ(t.container_id, kWeb);
}

TEST(CgroupNamer, AbsentDockerSocketIsQuick)
{
	ScratchDir cgroups;
	auto id = inode_of(cgroups.mkdirs("/docker/" + kWeb));
	ResolveOptions opts;
	opts.cgroup_root = cgroups.path();
	opts.runtime = "docker";
	opts.docker_socket = cgroups.path() + "/docker.sock";
	auto namer = CgroupNamer::from_options(opts);
	auto start = std::chrono::steady_clock::now();
	for (int i = 0; i < 100; i++)
		EXPECT_EQ(namer->describe(id).name, "/docker/" + kWeb);
	EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
	ASSERT_TRUE(namer->runtime_error());
	EXPECT_NE(namer->runtime_error()->find("not found"), std::string::npos);
}

} // namespace
} // namespace bpfwatch

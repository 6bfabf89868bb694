// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Docker Engine API JSON, from answers captured on a real dockerd.
#include <gtest/gtest.h>

#include "targets/docker.h"
#include "test_targets_fixture.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

using test::fixture;

TEST(DockerJson, ContainerList)
{
	auto list = parse_container_list(fixture("docker_containers_list.json"));
	ASSERT_EQ(list.size(), 3u);
	EXPECT_EQ(list[0].id, "f65d398f1464f547bd1755aaca82484b6088c8599cd75dd6be2de44c01b2fc80");
	ASSERT_EQ(list[0].names.size(), 1u);
	EXPECT_EQ(list[0].names[0], "bwfx-worker"); // leading '/' stripped
	EXPECT_EQ(list[0].state, "running");
	EXPECT_EQ(list[0].image, "bwtest-busybox:latest");
	EXPECT_EQ(list[0].pid, 0) << "Docker's list has no pid";
	EXPECT_EQ(list[1].names[0], "bwfx-web");
	EXPECT_EQ(list[2].names[0], "t1");
}

TEST(DockerJson, PodmanListCarriesThePid)
{
	auto list = parse_container_list(fixture("podman_libpod_list.json"));
	ASSERT_EQ(list.size(), 1u);
	EXPECT_EQ(list[0].names.at(0), "pm-web");
	EXPECT_EQ(list[0].pid, 52817);
	EXPECT_EQ(list[0].state, "running");
}

TEST(DockerJson, InspectRunning)
{
	auto d = parse_container_inspect(fixture("docker_inspect_running.json"));
	EXPECT_EQ(d.id, "3291a8c60a29e8b760f7d53ee3be573a75e05281af5421aa969fbff6b275414d");
	EXPECT_EQ(d.name, "bwfx-web");
	EXPECT_TRUE(d.running);
	EXPECT_EQ(d.status, "running");
	EXPECT_EQ(d.pid, 4897);
	EXPECT_EQ(d.restart_count, 0);
	ASSERT_EQ(d.exec_ids.size(), 1u);
	EXPECT_EQ(d.exec_ids[0], "44833de08393aeae6d0890453e5a9368c43ead1bd066029838b9cb1206cde424");
	EXPECT_EQ(d.cgroup_parent, "");
}

TEST(DockerJson, InspectCreated)
{
	// Never started: Docker sends "ExecIDs": null and State.Pid 0.
	auto d = parse_container_inspect(fixture("docker_inspect_created.json"));
	EXPECT_EQ(d.name, "bwfx-stopped");
	EXPECT_FALSE(d.running);
	EXPECT_EQ(d.status, "created");
	EXPECT_EQ(d.pid, 0);
	EXPECT_TRUE(d.exec_ids.empty());
}

TEST(DockerJson, NullsAndMissingFieldsAreTolerated)
{
	auto list = parse_container_list(R"([{"Id":"abc","Names":null},{"Names":["/x"]}])");
	ASSERT_EQ(list.size(), 1u) << "an entry without an id is dropped";
	EXPECT_TRUE(list[0].names.empty());
	auto d = parse_container_inspect(R"({"Id":"abc","State":null})");
	EXPECT_FALSE(d.running);
	EXPECT_EQ(d.pid, 0);
}

TEST(DockerJson, MalformedInputIsAnError)
{
	EXPECT_THROW(parse_container_list("not json"), Error);
	EXPECT_THROW(parse_container_list(R"({"message":"x"})"), Error);
	EXPECT_THROW(parse_container_list(R"([{"Id":"a","Names":"web"}])"), Error);
	EXPECT_THROW(parse_container_inspect("[]"), Error);
	EXPECT_THROW(parse_container_inspect(R"({"Name":"/x"})"), Error);
	EXPECT_THROW(parse_container_inspect(R"({"Id":"a","State":{"Pid":"12"}})"), Error);
}

TEST(DockerJson, ApiErrorMessage)
{
	EXPECT_EQ(parse_api_error(R"({"message":"No such container: nope"})"),
		  "No such container: nope");
	EXPECT_EQ(parse_api_error("page not found\n"), "page not found");
}

} // namespace
} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// CRI-O's inspect API: its documented answers (fixtures/targets/README.md
// says where each shape is from), and the client against a fake server on
// a unix socket over a scratch cgroup tree: found from crio-<id> cgroups,
// sandboxes left out, a wedged or dead socket named within its timeout.
#include <gtest/gtest.h>

#include "targets/crio.h"
#include "targets/runtime_error.h"
#include "test_targets_fake_server.h"
#include "test_targets_fixture.h"

namespace bpfwatch {
namespace {

using test::FakeUnixServer;
using test::fixture;
using test::ScratchDir;
using namespace std::chrono_literals;

// Ids from cadvisor's container/crio/handler_test.go and CRI-O's test/inspect.bats.
const std::string kId = "81e5c2990803c383229c9680ce964738d5e566d97f5bd436ac34808d2ec75d5f";
const std::string kSandbox = "297d014ba2c54236779da0c2f80dfba45dc31b106e4cd126a1c3c6d78edc2201";
const std::string kGone = "0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de";

RuntimeFailure failure_of(const std::function<void()> &f)
{
	try {
		f();
	} catch (const RuntimeError &e) {
		return e.kind();
	}
	ADD_FAILURE() << "no RuntimeError";
	return RuntimeFailure::failed;
}

TEST(CrioParse, Info)
{
	CrioInfo now = parse_crio_info(fixture("crio_info.json"));
	EXPECT_EQ(now.storage_driver, "overlay");
	EXPECT_EQ(now.storage_root, "/var/lib/containers/storage");
	EXPECT_EQ(now.cgroup_driver, "systemd");
	CrioInfo old = parse_crio_info(fixture("crio_info_old.json"));
	EXPECT_EQ(old.storage_driver, "overlay");
	EXPECT_EQ(old.cgroup_driver, "cgroupfs");
	// Docker's /info on the same path is not CRI-O's.
	EXPECT_EQ(failure_of([] { parse_crio_info(R"({"ID":"x","Driver":"overlay2"})"); }), RuntimeFailure::malformed);
	EXPECT_EQ(failure_of([] { parse_crio_info("404 page not found"); }), RuntimeFailure::malformed);
}

TEST(CrioParse, KubernetesContainer)
{
	ContainerSummary c = parse_crio_container(fixture("crio_container.json"), kId);
	EXPECT_EQ(c.id, kId);
	EXPECT_EQ(c.runtime, "cri-o");
	EXPECT_EQ(c.names.at(0), "k8s_fluent-bit_log-router-7d9f8_logging_5a6b7c8d-1e2f-4a3b-9c8d-7e6f5a4b3c2d_0");
	EXPECT_EQ(c.pid, 48213);
	EXPECT_EQ(c.state, "running");
	EXPECT_EQ(c.image, "cr.fluentbit.io/fluent/fluent-bit:2.2.0");
	EXPECT_EQ(c.orchestration.kind, "kubernetes");
	EXPECT_EQ(c.orchestration.pod, "log-router-7d9f8");
	EXPECT_EQ(c.orchestration.pod_namespace, "logging");
	EXPECT_EQ(c.orchestration.container_name, "fluent-bit");
	EXPECT_FALSE(c.orchestration.sandbox);
	EXPECT_EQ(c.labels.at("io.kubernetes.pod.uid"), "5a6b7c8d-1e2f-4a3b-9c8d-7e6f5a4b3c2d");
	EXPECT_EQ(c.labels.count("io.kubernetes.container.hash"), 0u) << "annotations are not labels";
}

TEST(CrioParse, SandboxAndOldAnswers)
{
	EXPECT_TRUE(parse_crio_container(fixture("crio_container_sandbox.json"), kSandbox).orchestration.sandbox);
	// An infra container is known by its id being the sandbox's, whatever
	// its labels say.
	EXPECT_TRUE(parse_crio_container(R"({"name":"x","pid":5,"sandbox":")" + kSandbox + R"("})", kSandbox)
			    .orchestration.sandbox);

	ContainerSummary old = parse_crio_container(fixture("crio_container_old.json"), kId);
	EXPECT_EQ(old.pid, 27477);
	EXPECT_EQ(old.labels.at("batch"), "no");
	EXPECT_TRUE(old.orchestration.kind.empty()) << "no Kubernetes labels: a plain container";
	EXPECT_EQ(old.names.at(0), "k8s_container1_podsandbox1_redhat.test.crio_redhat-test-crio_1");

	EXPECT_EQ(parse_crio_container(R"({"name":"x"})", kId).state, "stopped") << "pid 0";
	EXPECT_EQ(failure_of([] { parse_crio_container(R"({"labels":[1]})", kId); }), RuntimeFailure::malformed);
	EXPECT_EQ(failure_of([] { parse_crio_container(R"({"pid":"x"})", kId); }), RuntimeFailure::malformed);
}

// CRI-O with the systemd manager: a pod slice holding the infra container,
// the container, conmon's scopes, and a container it no longer knows.
class CrioClientTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		std::string pod = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5a6b7c8d.slice";
		cgroups.mkdirs(pod + "/crio-" + kId + ".scope");
		cgroups.mkdirs(pod + "/crio-conmon-" + kId + ".scope");
		cgroups.mkdirs(pod + "/crio-" + kSandbox + ".scope");
		cgroups.mkdirs(pod + "/crio-" + kGone + ".scope");
	}

	std::map<std::string, std::pair<int, std::string>> routes()
	{
		return {{"/info", {200, fixture("crio_info.json")}},
			{"/containers/" + kId, {200, fixture("crio_container.json")}},
			{"/containers/" + kSandbox, {200, fixture("crio_container_sandbox.json")}}};
	}

	std::string sock() const { return dir.path() + "/crio.sock"; }

	ScratchDir dir;
	ScratchDir cgroups;
};

TEST_F(CrioClientTest, ListsTheContainersItsCgroupsName)
{
	FakeUnixServer server(sock(), FakeUnixServer::Mode::answer, routes());
	CrioClient client(sock(), cgroups.path());
	EXPECT_EQ(client.runtime(), "cri-o");
	auto list = client.list_running();
	ASSERT_EQ(list.size(), 2u) << "the unknown id is left out";
	EXPECT_EQ(list[0].id, kSandbox) << "listed in id order";
	EXPECT_TRUE(list[0].orchestration.sandbox);
	list.erase(list.begin());
	EXPECT_EQ(list[0].id, kId);
	EXPECT_EQ(list[0].orchestration.container_name, "fluent-bit");
	EXPECT_EQ(list[0].pid, 48213);
	auto asked = server.paths_asked();
	EXPECT_EQ(asked.front(), "/info");
	EXPECT_EQ(asked.size(), 4u) << "info, then one GET per crio- cgroup (not conmon's)";

	auto d = client.inspect(kId);
	ASSERT_TRUE(d);
	EXPECT_TRUE(d->running);
	EXPECT_EQ(d->pid, 48213);
	EXPECT_EQ(d->orchestration.pod, "log-router-7d9f8");
	EXPECT_FALSE(client.inspect(kGone)) << "404: not CRI-O's (any more)";
	EXPECT_FALSE(client.inspect("../info")) << "not an id: never sent";
}

TEST_F(CrioClientTest, AWedgedSocketCostsItsTimeout)
{
	FakeUnixServer server(sock(), FakeUnixServer::Mode::silent);
	CrioClient client(sock(), cgroups.path(), DockerTimeouts{100ms, 300ms});
	auto start = std::chrono::steady_clock::now();
	EXPECT_EQ(failure_of([&] { client.list_running(); }), RuntimeFailure::timeout);
	EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST_F(CrioClientTest, MissingDeadAndWrongSockets)
{
	EXPECT_EQ(failure_of([&] { CrioClient(sock(), cgroups.path()).list_running(); }), RuntimeFailure::missing);
	{
		FakeUnixServer dead(sock(), FakeUnixServer::Mode::dead);
		EXPECT_EQ(failure_of([&] { CrioClient(sock(), cgroups.path()).list_running(); }),
			  RuntimeFailure::refused);
	}
	// Something else on the socket (a Docker daemon, say).
	FakeUnixServer docker(sock(), FakeUnixServer::Mode::answer,
			      {{"/info", {200, R"({"ID":"7TRN:x","Driver":"overlay2"})"}}});
	EXPECT_EQ(failure_of([&] { CrioClient(sock(), cgroups.path()).list_running(); }), RuntimeFailure::malformed);
}

} // namespace
} // namespace bpfwatch

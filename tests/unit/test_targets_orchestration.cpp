// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Pods and tasks from labels, and the names bpfwatch shows: Kubernetes
// labels and CRI annotations, ECS labels on Docker containers (captured
// from dockerd, fixtures/targets/README.md), and why a runtime failed.
#include <gtest/gtest.h>

#include "targets/docker.h"
#include "targets/orchestration.h"
#include "targets/runtime_error.h"
#include "test_targets_fixture.h"

namespace bpfwatch {
namespace {

using test::fixture;

const std::string kTaskArn = "arn:aws:ecs:us-west-2:111122223333:task/default/8f03e41243824aea923aca126495f665";
const std::string kCurl = "ed0ea242ecc722717e04d29872930f3863d9da484a2d0a67f360f3b56e349f44";
const std::string kPause = "d25a8510fbf82391e5ba8ab2cbf1b96e416991bb674029a2be6eaa59b34dd8d7";

TEST(Orchestration, KubeletLabels)
{
	auto o = orchestration_from_labels({{"io.kubernetes.pod.name", "web-0"},
					    {"io.kubernetes.pod.namespace", "shop"},
					    {"io.kubernetes.container.name", "nginx"},
					    {"app", "web"}});
	EXPECT_EQ(o.kind, "kubernetes");
	EXPECT_EQ(o.pod, "web-0");
	EXPECT_EQ(o.pod_namespace, "shop");
	EXPECT_EQ(o.container_name, "nginx");
	EXPECT_FALSE(o.sandbox);
	EXPECT_TRUE(o.task.empty());
}

TEST(Orchestration, CriAnnotationsAndSandboxes)
{
	Labels cri{{"io.kubernetes.cri.sandbox-name", "bpfman-daemon-hf5gv"},
		   {"io.kubernetes.cri.sandbox-namespace", "bpfman"},
		   {"io.kubernetes.cri.container-name", "bpfman-agent"},
		   {"io.kubernetes.cri.container-type", "container"}};
	auto o = orchestration_from_labels(cri);
	EXPECT_EQ(o.kind, "kubernetes");
	EXPECT_EQ(o.pod, "bpfman-daemon-hf5gv");
	EXPECT_EQ(o.pod_namespace, "bpfman");
	EXPECT_EQ(o.container_name, "bpfman-agent");
	EXPECT_FALSE(o.sandbox);

	cri["io.kubernetes.cri.container-type"] = "sandbox";
	EXPECT_TRUE(orchestration_from_labels(cri).sandbox);
	// dockershim / cri-dockerd, and the kubelet's infra name (CRI-O, cadvisor's tests)
	EXPECT_TRUE(orchestration_from_labels({{"io.kubernetes.pod.name", "p"},
					       {"io.kubernetes.pod.namespace", "n"},
					       {"io.kubernetes.docker.type", "podsandbox"}})
			    .sandbox);
	EXPECT_TRUE(orchestration_from_labels({{"io.kubernetes.pod.name", "p"},
					       {"io.kubernetes.pod.namespace", "n"},
					       {"io.kubernetes.container.name", "POD"}})
			    .sandbox);
}

TEST(Orchestration, EcsLabelsAndTaskIds)
{
	auto o = orchestration_from_labels({{"com.amazonaws.ecs.container-name", "curl"},
					    {"com.amazonaws.ecs.task-arn", kTaskArn},
					    {"com.amazonaws.ecs.cluster", "default"}});
	EXPECT_EQ(o.kind, "ecs");
	EXPECT_EQ(o.container_name, "curl");
	EXPECT_EQ(o.task, kTaskArn);
	EXPECT_TRUE(o.pod.empty());
	EXPECT_FALSE(o.sandbox);
	EXPECT_TRUE(orchestration_from_labels({{"com.amazonaws.ecs.container-name", "~internal~ecs~pause"}})
			    .sandbox);

	EXPECT_EQ(ecs_task_id(kTaskArn), "8f03e41243824aea923aca126495f665");
	// The older ARN format, without the cluster (AWS ECS docs, metadata v3).
	EXPECT_EQ(ecs_task_id("arn:aws:ecs:us-east-2:012345678910:task/9781c248-0edd-4cdb-9a93-f63cb662a5d3"),
		  "9781c248-0edd-4cdb-9a93-f63cb662a5d3");
	EXPECT_EQ(ecs_task_id("not-an-arn"), "not-an-arn");
}

TEST(Orchestration, PlainContainer)
{
	auto o = orchestration_from_labels({{"maintainer", "x"}});
	EXPECT_TRUE(o.kind.empty());
	EXPECT_FALSE(o.sandbox);
	EXPECT_TRUE(o.container_name.empty());
}

TEST(Orchestration, EcsContainersFromDockersList)
{
	auto list = parse_container_list(fixture("docker_ecs_containers_list.json"));
	ASSERT_EQ(list.size(), 2u);
	const ContainerSummary *curl = list[0].id == kCurl ? &list[0] : &list[1];
	const ContainerSummary *pause = list[0].id == kPause ? &list[0] : &list[1];
	ASSERT_EQ(curl->id, kCurl);
	ASSERT_EQ(pause->id, kPause);
	EXPECT_EQ(curl->names.at(0), "ecs-curltest-24-curl-cca48e8dcadd97805600");
	EXPECT_EQ(curl->labels.at("com.amazonaws.ecs.cluster"), "default");
	EXPECT_EQ(curl->labels.at("bpfwatch.rootfs"), "dbc4a8652ad9") << "image labels come along";
	EXPECT_EQ(curl->orchestration.kind, "ecs");
	EXPECT_EQ(curl->orchestration.container_name, "curl");
	EXPECT_EQ(curl->orchestration.task, kTaskArn);
	EXPECT_TRUE(pause->orchestration.sandbox);

	ContainerSummary named = *curl;
	named.runtime = "docker";
	EXPECT_EQ(display_name(named), "curl");
	EXPECT_EQ(name_source(named), "ecs labels");
	EXPECT_EQ(display_name(*pause), "ecs-curltest-24-internalecspause-e0c7d2f4a1b3c5d6e700")
		<< "a sandbox keeps its runtime name";
}

TEST(Orchestration, EcsLabelsFromInspect)
{
	auto d = parse_container_inspect(fixture("docker_ecs_inspect.json"));
	EXPECT_EQ(d.id, kCurl);
	EXPECT_EQ(d.labels.at("com.amazonaws.ecs.task-definition-family"), "curltest");
	EXPECT_EQ(d.orchestration.container_name, "curl");
	EXPECT_EQ(d.orchestration.task, kTaskArn);
	// No labels at all: Docker sends {} (or null).
	auto plain = parse_container_inspect(fixture("docker_inspect_running.json"));
	EXPECT_TRUE(plain.labels.empty());
	EXPECT_TRUE(plain.orchestration.kind.empty());
	EXPECT_THROW(parse_container_list(R"([{"Id":"a","Labels":["x"]}])"), Error);
}

TEST(Orchestration, DisplayNamesAndWhereTheyCameFrom)
{
	ContainerSummary c;
	c.id = std::string(64, 'a');
	EXPECT_EQ(display_name(c), "aaaaaaaaaaaa") << "a hex id is cut";
	EXPECT_EQ(name_source(c), "cgroup path") << "nobody named it";
	c.runtime = "containerd";
	c.names = {"bwfleet-k"};
	EXPECT_EQ(display_name(c), "bwfleet-k");
	EXPECT_EQ(name_source(c), "containerd");
	c.orchestration = orchestration_from_labels({{"io.kubernetes.pod.name", "web-0"},
						     {"io.kubernetes.pod.namespace", "shop"},
						     {"io.kubernetes.container.name", "nginx"}});
	c.labels = {{"io.kubernetes.pod.name", "web-0"}};
	EXPECT_EQ(display_name(c), "nginx");
	EXPECT_EQ(name_source(c), "kubernetes labels");

	Target t;
	t.cgroup_id = 7;
	describe_target(t, c);
	EXPECT_EQ(t.name, "nginx");
	EXPECT_EQ(t.name_source, "kubernetes labels");
	EXPECT_EQ(t.runtime, "containerd");
	EXPECT_EQ(t.runtime_name, "bwfleet-k");
	EXPECT_EQ(t.pod, "web-0");
	EXPECT_EQ(t.pod_namespace, "shop");
	EXPECT_EQ(t.container_name, "nginx");
	EXPECT_EQ(t.labels.size(), 1u);
	EXPECT_EQ(t.cgroup_id, 7u) << "the cgroup is not the summary's to say";
}

TEST(RuntimeErrors, KindsHaveNamesAndStayErrors)
{
	EXPECT_STREQ(failure_name(RuntimeFailure::missing), "missing");
	EXPECT_STREQ(failure_name(RuntimeFailure::refused), "refused");
	EXPECT_STREQ(failure_name(RuntimeFailure::permission), "permission");
	EXPECT_STREQ(failure_name(RuntimeFailure::timeout), "timeout");
	EXPECT_STREQ(failure_name(RuntimeFailure::malformed), "malformed");
	EXPECT_STREQ(failure_name(RuntimeFailure::failed), "failed");
	try {
		parse_container_list("{");
		FAIL() << "no error";
	} catch (const RuntimeError &e) {
		EXPECT_EQ(e.kind(), RuntimeFailure::malformed);
	}
	try {
		DockerClient("/nonexistent/bw.sock").list_running();
		FAIL() << "no error";
	} catch (const RuntimeError &e) {
		EXPECT_EQ(e.kind(), RuntimeFailure::missing);
	}
	try {
		run_runtime_command({"sh", "-c", "sleep 5"}, std::chrono::milliseconds(100));
		FAIL() << "no error";
	} catch (const RuntimeError &e) {
		EXPECT_EQ(e.kind(), RuntimeFailure::timeout) << e.what();
	}
	try {
		run_runtime_command({"no-such-program-bpfwatch"}, std::chrono::milliseconds(100));
		FAIL() << "no error";
	} catch (const RuntimeError &e) {
		EXPECT_EQ(e.kind(), RuntimeFailure::missing) << e.what();
	}
}

} // namespace
} // namespace bpfwatch

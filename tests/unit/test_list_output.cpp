// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// `bpfwatch list` printed: the table a person reads and the JSON a script
// reads, from one listing.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>

#include "list/list.h"

namespace bpfwatch {
namespace {

ContainerListing listing()
{
	ContainerListing l;
	Target pod;
	pod.runtime = "containerd";
	pod.name = "fluent-bit";
	pod.name_source = "kubernetes labels";
	pod.container_id = "aaa1";
	pod.runtime_namespace = "k8s.io";
	pod.pod = "fluent-bit-x7k2p";
	pod.pod_namespace = "logging";
	pod.state = "running";
	pod.pid = 4242;
	pod.cgroup_path = "/k8s.io/aaa1";
	pod.cgroup_id = 77;
	pod.labels = {{"io.kubernetes.pod.name", "fluent-bit-x7k2p"}};
	Target task;
	task.runtime = "docker";
	task.name = "log\x1b[2Jrouter"; // a name is data: no escape reaches the terminal
	task.name_source = "ecs labels";
	task.task = "arn:aws:ecs:us-west-2:111122223333:task/prod/8f03e4c2";
	task.state = "running";
	task.pid = 5151;
	task.cgroup_path = "/docker/bbb2";
	task.cgroup_id = 88;
	Target unnamed;
	unnamed.runtime = "crio";
	unnamed.name = "0123456789ab";
	unnamed.name_source = "cgroup path";
	unnamed.cgroup_path = "/kubepods.slice/crio-0123456789ab.scope";
	unnamed.cgroup_id = 99;
	l.containers = {pod, task, unnamed};
	RuntimeStatus ok{"containerd", "/run/containerd/containerd.sock", true, "", "", std::chrono::milliseconds(12), 1};
	RuntimeStatus down{"cri-o", "/var/run/crio/crio.sock", false, "timeout",
			   "cri-o API /info on /var/run/crio/crio.sock: no answer within 1000 ms",
			   std::chrono::milliseconds(1001), 0};
	l.runtimes = {ok, down};
	return l;
}

TEST(ListOutput, TableRowsAndTheRuntimesThatDidNotAnswer)
{
	std::ostringstream out;
	print_list_table(out, listing(), std::chrono::milliseconds(1003));
	EXPECT_EQ(out.str(),
		  "RUNTIME     NAME           POD/TASK                  STATE    PID   CGROUP-ID  NAME FROM          CGROUP\n"
		  "containerd  fluent-bit     logging/fluent-bit-x7k2p  running  4242  77         kubernetes labels  /k8s.io/aaa1\n"
		  "docker      log?[2Jrouter  task 8f03e4c2             running  5151  88         ecs labels         /docker/bbb2\n"
		  "crio        0123456789ab   -                         -        -     99         cgroup path        "
		  "/kubepods.slice/crio-0123456789ab.scope\n"
		  "3 containers; 1 of 2 runtime endpoints answered, in 1003 ms:\n"
		  "  containerd /run/containerd/containerd.sock: 1 container in 12 ms\n"
		  "  cri-o /var/run/crio/crio.sock: did not answer (timeout, 1001 ms): cri-o API /info on "
		  "/var/run/crio/crio.sock: no answer within 1000 ms\n");
}

TEST(ListOutput, JsonOneObject)
{
	std::ostringstream out;
	print_list_json(out, listing(), std::chrono::milliseconds(1003));
	const std::string text = out.str();
	auto j = nlohmann::json::parse(text);
	EXPECT_EQ(j["type"], "list");
	EXPECT_EQ(j["elapsed_ms"], 1003);
	ASSERT_EQ(j["containers"].size(), 3u);
	const auto &p = j["containers"][0];
	EXPECT_EQ(p["name"], "fluent-bit");
	EXPECT_EQ(p["pod"], "fluent-bit-x7k2p");
	EXPECT_EQ(p["namespace"], "logging");
	EXPECT_EQ(p["runtime_namespace"], "k8s.io");
	EXPECT_EQ(p["pid"], 4242);
	EXPECT_EQ(p["cgroup_id"], 77);
	EXPECT_EQ(p["labels"]["io.kubernetes.pod.name"], "fluent-bit-x7k2p");
	EXPECT_EQ(j["containers"][1]["task"], "arn:aws:ecs:us-west-2:111122223333:task/prod/8f03e4c2");
	EXPECT_EQ(j["containers"][2]["name_source"], "cgroup path");
	const auto &down = j["runtimes"][1];
	EXPECT_EQ(down["runtime"], "cri-o");
	EXPECT_EQ(down["answered"], false);
	EXPECT_EQ(down["failure"], "timeout");
	EXPECT_EQ(down["elapsed_ms"], 1001);
	EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << "one line";
}

} // namespace
} // namespace bpfwatch

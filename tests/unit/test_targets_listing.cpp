// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// `bpfwatch list`'s data: every runtime asked at once (a Docker API and a
// wedged CRI-O on fake unix sockets, containerd as a fake source), each
// container once with its cgroup, what no runtime named still listed from
// its cgroup path, and every runtime that did not answer named with why.
#include <gtest/gtest.h>

#include "targets/cgroup_index.h"
#include "targets/containerd.h"
#include "targets/crio.h"
#include "targets/listing.h"
#include "test_targets_fake_server.h"
#include "test_targets_fake_source.h"
#include "test_targets_fixture.h"

namespace bpfwatch {
namespace {

using test::FakeSource;
using test::FakeUnixServer;
using test::fixture;
using test::inode_of;
using test::ScratchDir;
using namespace std::chrono_literals;

const std::string kWeb = "3291a8c60a29e8b760f7d53ee3be573a75e05281af5421aa969fbff6b275414d";
const std::string kWorker = "f65d398f1464f547bd1755aaca82484b6088c8599cd75dd6be2de44c01b2fc80";
const std::string kT1 = "e1dc054a23dc57b8f54ceaec17f4b17be8d2abf8cb04cf39217197dfc01c4cc5";
const std::string kCrio = "81e5c2990803c383229c9680ce964738d5e566d97f5bd436ac34808d2ec75d5f";
const std::string kPod = std::string(64, 'b');
const std::string kPause = std::string(64, 'e');

const Target *find(const ContainerListing &l, const std::string &id)
{
	for (const auto &t : l.containers)
		if (t.container_id == id)
			return &t;
	return nullptr;
}

const RuntimeStatus *status(const ContainerListing &l, const std::string &runtime)
{
	for (const auto &s : l.runtimes)
		if (s.runtime == runtime)
			return &s;
	return nullptr;
}

// The Docker fixture's three containers (cgroupfs driver; only bwfx-web's
// inspect is served), a Kubernetes pod under containerd (its sandbox too),
// a CRI-O container nobody answers for, and a plain service.
class ListingTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		for (const auto &id : {kWeb, kWorker, kT1, kPod, kPause})
			cgroups.mkdirs((id == kPod || id == kPause ? "/k8s.io/" : "/docker/") + id);
		cgroups.mkdirs("/kubepods/pod068e8fa0/crio-" + kCrio);
		cgroups.mkdirs("/kubepods/pod068e8fa0/crio-conmon-" + kCrio);
		cgroups.mkdirs("/system.slice/ssh.service");
		proc.write("/4897/cgroup", "0::/docker/" + kWeb + "\n");
		proc.write("/501/cgroup", "0::/k8s.io/" + kPod + "\n");
		proc.write("/500/cgroup", "0::/k8s.io/" + kPause + "\n");
	}

	// Docker's API on a fake socket; containerd as a fake that also lists
	// Docker's bwfx-web (namespace moby), as dockerd's containerd does.
	std::vector<RuntimeCandidate> candidates(DockerTimeouts t)
	{
		std::vector<RuntimeCandidate> c;
		c.push_back({"docker", docker_sock(), true, std::make_unique<DockerClient>(docker_sock(), "docker", t)});
		auto ctrd = std::make_unique<FakeSource>(std::vector<ContainerSummary>{}, "containerd");
		ctrd->running_.push_back(containerd_summary("moby", kWeb, {}, 4897, "running"));
		ctrd->running_.push_back(containerd_summary("k8s.io", kPod,
							    {{"io.kubernetes.pod.name", "web-0"},
							     {"io.kubernetes.pod.namespace", "shop"},
							     {"io.kubernetes.container.name", "nginx"}},
							    501, "running"));
		auto pause = containerd_summary("k8s.io", kPause, {{"io.kubernetes.cri.sandbox-name", "web-0"},
								   {"io.kubernetes.cri.sandbox-namespace", "shop"},
								   {"io.kubernetes.cri.container-type", "sandbox"}},
						500, "running");
		ctrd->running_.push_back(pause);
		c.push_back({"containerd", "/run/containerd/containerd.sock", true, std::move(ctrd)});
		c.push_back({"cri-o", crio_sock(), true, std::make_unique<CrioClient>(crio_sock(), cgroups.path(), t)});
		c.push_back({"podman", dir.path() + "/podman.sock", false,
			     std::make_unique<DockerClient>(dir.path() + "/podman.sock", "podman", t)});
		return c;
	}

	std::string docker_sock() const { return dir.path() + "/docker.sock"; }
	std::string crio_sock() const { return dir.path() + "/crio.sock"; }

	ScratchDir dir, cgroups, proc;
};

TEST_F(ListingTest, EveryContainerOnceWithItsCgroupAndWhoNamedIt)
{
	FakeUnixServer docker(docker_sock(), FakeUnixServer::Mode::answer,
			      {{"/containers/json", {200, fixture("docker_containers_list.json")}},
			       {"/containers/" + kWeb + "/json", {200, fixture("docker_inspect_running.json")}}});
	FakeUnixServer crio(crio_sock(), FakeUnixServer::Mode::silent);
	ListOptions lo;
	lo.timeout = 400ms;
	auto start = std::chrono::steady_clock::now();
	ContainerListing l = list_containers(candidates({400ms, 400ms}), cgroups.path(), proc.path(), lo);
	auto took = std::chrono::steady_clock::now() - start;
	EXPECT_LT(took, 1500ms) << "the wedged CRI-O costs its timeout, once";

	const Target *web = find(l, kWeb);
	ASSERT_TRUE(web);
	EXPECT_EQ(web->name, "bwfx-web");
	EXPECT_EQ(web->runtime, "docker") << "Docker listed it first; its containerd does not list it again";
	EXPECT_EQ(web->name_source, "docker");
	EXPECT_EQ(web->pid, 4897) << "from inspect";
	EXPECT_EQ(web->state, "running");
	EXPECT_EQ(web->cgroup_path, "/docker/" + kWeb);
	EXPECT_EQ(web->cgroup_id, inode_of(cgroups.path() + "/docker/" + kWeb));

	const Target *worker = find(l, kWorker);
	ASSERT_TRUE(worker);
	EXPECT_EQ(worker->pid, 0) << "its inspect was not served";
	EXPECT_EQ(worker->cgroup_path, "/docker/" + kWorker) << "found in the tree by its id";

	const Target *pod = find(l, kPod);
	ASSERT_TRUE(pod);
	EXPECT_EQ(pod->name, "nginx");
	EXPECT_EQ(pod->name_source, "kubernetes labels");
	EXPECT_EQ(pod->pod, "web-0");
	EXPECT_EQ(pod->pod_namespace, "shop");
	EXPECT_EQ(pod->runtime_namespace, "k8s.io");
	EXPECT_EQ(pod->cgroup_id, inode_of(cgroups.path() + "/k8s.io/" + kPod));
	EXPECT_FALSE(find(l, kPause)) << "sandboxes are not listed";

	const Target *orphan = find(l, kCrio);
	ASSERT_TRUE(orphan);
	EXPECT_EQ(orphan->name, kCrio.substr(0, 12));
	EXPECT_EQ(orphan->name_source, "cgroup path");
	EXPECT_EQ(orphan->runtime, "crio") << "guessed from the path";
	EXPECT_EQ(orphan->cgroup_path, "/kubepods/pod068e8fa0/crio-" + kCrio);
	EXPECT_EQ(l.containers.back().container_id, kCrio) << "what only the tree shows comes last";
	EXPECT_EQ(l.containers.size(), 5u) << "3 Docker, 1 pod member, 1 from the tree";

	ASSERT_EQ(l.runtimes.size(), 4u);
	EXPECT_TRUE(status(l, "docker")->answered);
	EXPECT_EQ(status(l, "docker")->containers, 3u);
	EXPECT_TRUE(status(l, "containerd")->answered);
	const RuntimeStatus *c = status(l, "cri-o");
	EXPECT_FALSE(c->answered);
	EXPECT_EQ(c->failure, "timeout");
	EXPECT_EQ(c->endpoint, crio_sock());
	EXPECT_NE(c->error.find("no answer within 400 ms"), std::string::npos) << c->error;
	EXPECT_GE(c->elapsed, 350ms);
	const RuntimeStatus *p = status(l, "podman");
	EXPECT_EQ(p->failure, "missing");
	EXPECT_NE(p->error.find("podman socket " + dir.path() + "/podman.sock not found"), std::string::npos);
}

TEST_F(ListingTest, RuntimesThatDoNotAnswerAreNamedWithWhy)
{
	FakeUnixServer docker(docker_sock(), FakeUnixServer::Mode::dead);
	FakeUnixServer crio(crio_sock(), FakeUnixServer::Mode::answer, {{"/info", {200, "<html>"}}});
	ListOptions lo;
	lo.timeout = 400ms;
	lo.omit_missing = true;
	ContainerListing l = list_containers(candidates({400ms, 400ms}), cgroups.path(), proc.path(), lo);
	ASSERT_EQ(l.runtimes.size(), 3u) << "podman, not there, left out";
	EXPECT_EQ(status(l, "docker")->failure, "refused");
	EXPECT_EQ(status(l, "cri-o")->failure, "malformed");
	EXPECT_FALSE(status(l, "podman"));
	// Docker down: its containers are still there, named by containerd
	// (moby) or by their cgroup path.
	const Target *web = find(l, kWeb);
	ASSERT_TRUE(web);
	EXPECT_EQ(web->runtime, "containerd");
	EXPECT_EQ(web->runtime_namespace, "moby");
	const Target *worker = find(l, kWorker);
	ASSERT_TRUE(worker);
	EXPECT_EQ(worker->name_source, "cgroup path");
	EXPECT_EQ(worker->runtime, "docker");
}

TEST(ContainerCgroups, ScanFindsContainerShapedCgroups)
{
	ScratchDir cgroups;
	cgroups.mkdirs("/docker/" + kWeb);
	cgroups.mkdirs("/machine.slice/libpod-" + kT1 + ".scope/container");
	cgroups.mkdirs("/machine.slice/libpod-conmon-" + kT1 + ".scope");
	cgroups.mkdirs("/system.slice/cron.service");
	auto found = scan_container_cgroups(cgroups.path());
	ASSERT_EQ(found.size(), 3u);
	EXPECT_EQ(found[0].path, "/docker/" + kWeb);
	EXPECT_EQ(found[0].id, inode_of(cgroups.path() + "/docker/" + kWeb));
	EXPECT_EQ(found[0].ref.runtime, "docker");
	EXPECT_EQ(found[1].path, "/machine.slice/libpod-" + kT1 + ".scope");
	EXPECT_EQ(found[2].path, "/machine.slice/libpod-" + kT1 + ".scope/container");
	EXPECT_EQ(found[2].ref.id, kT1);
}

} // namespace
} // namespace bpfwatch

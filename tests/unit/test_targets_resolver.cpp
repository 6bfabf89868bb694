// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Names, ids, cgroup paths and pids -> Targets, against fixture data: the
// container list captured from dockerd, a scratch /proc and cgroup tree.
#include <gtest/gtest.h>

#include <functional>

#include "targets/docker.h"
#include "targets/orchestration.h"
#include "targets/resolver.h"
#include "test_targets_fake_source.h"
#include "test_targets_fixture.h"

namespace bpfwatch {
namespace {

using test::FakeSource;
using test::fixture;
using test::inode_of;
using test::ScratchDir;

const std::string kWorker = "f65d398f1464f547bd1755aaca82484b6088c8599cd75dd6be2de44c01b2fc80";
const std::string kWeb = "3291a8c60a29e8b760f7d53ee3be573a75e05281af5421aa969fbff6b275414d";
const std::string kT1 = "e1dc054a23dc57b8f54ceaec17f4b17be8d2abf8cb04cf39217197dfc01c4cc5";

std::string error_of(const std::function<void()> &f)
{
	try {
		f();
	} catch (const Error &e) {
		return e.what();
	}
	return "(no error)";
}

// The fixture's three containers, their cgroups in a scratch v2 tree and
// their pids in a scratch /proc, as on the hybrid machine they came from.
class ResolverTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		source = std::make_unique<FakeSource>(
			parse_container_list(fixture("docker_containers_list.json")));
		auto web = parse_container_inspect(fixture("docker_inspect_running.json"));
		auto stopped = parse_container_inspect(fixture("docker_inspect_created.json"));
		add_running(web);
		add_running(ContainerDetails{kWorker, "bwfx-worker", "running", true, 4950, 0, {}, ""});
		add_running(ContainerDetails{kT1, "t1", "running", true, 3001, 0, {}, ""});
		source->details[stopped.id] = stopped;
		source->details[stopped.name] = stopped;
		opts.proc_root = proc.path();
		opts.cgroup_root = cgroups.path();
	}

	void add_running(const ContainerDetails &d)
	{
		source->details[d.id] = d;
		source->details[d.name] = d;
		cgroups.mkdirs("/docker/" + d.id);
		proc.write("/" + std::to_string(d.pid) + "/cgroup",
			   "1:name=systemd:/docker/" + d.id + "\n0::/docker/" + d.id + "\n");
	}

	std::uint64_t id_of(const std::string &rel) { return inode_of(cgroups.path() + rel); }

	std::vector<Target> resolve() { return resolve_targets(opts, source.get()); }

	ScratchDir proc;
	ScratchDir cgroups;
	std::unique_ptr<FakeSource> source;
	ResolveOptions opts;
};

TEST(FindContainer, ExactNameIdAndPrefix)
{
	auto list = parse_container_list(fixture("docker_containers_list.json"));
	EXPECT_EQ(find_container(list, "bwfx-web")->id, kWeb);
	EXPECT_EQ(find_container(list, kT1)->names.at(0), "t1");
	EXPECT_EQ(find_container(list, "f65d")->names.at(0), "bwfx-worker");
	EXPECT_EQ(find_container(list, "e")->names.at(0), "t1");
	EXPECT_EQ(find_container(list, "nope"), nullptr);
	EXPECT_EQ(find_container(list, "bwfx"), nullptr) << "names match only whole";
}

TEST(FindContainer, AmbiguousPrefixListsTheCandidates)
{
	std::vector<ContainerSummary> list{
		{"abc1" + std::string(60, '0'), {"one"}, "", "running", 0},
		{"abc2" + std::string(60, '0'), {"two"}, "", "running", 0},
	};
	EXPECT_EQ(find_container(list, "abc1")->names.at(0), "one");
	EXPECT_EQ(error_of([&] { find_container(list, "abc"); }),
		  "container id prefix 'abc' is ambiguous: abc100000000 (one), abc200000000 (two)");
}

TEST(FindContainer, ExactNameBeatsAnIdPrefix)
{
	std::vector<ContainerSummary> list{
		{"beef" + std::string(60, '1'), {"other"}, "", "running", 0},
		{"cafe" + std::string(60, '2'), {"beef"}, "", "running", 0},
	};
	EXPECT_EQ(find_container(list, "beef")->names.at(0), "beef");
}

TEST_F(ResolverTest, ContainerByName)
{
	opts.containers = {"bwfx-web"};
	auto targets = resolve();
	ASSERT_EQ(targets.size(), 1u);
	const Target &t = targets[0];
	EXPECT_EQ(t.name, "bwfx-web");
	EXPECT_EQ(t.runtime, "docker");
	EXPECT_EQ(t.container_id, kWeb);
	EXPECT_EQ(t.cgroup_path, "/docker/" + kWeb);
	EXPECT_EQ(t.cgroup_id, id_of("/docker/" + kWeb));
	EXPECT_EQ(t.pid, 4897);
}

TEST_F(ResolverTest, ContainerByIdPrefixAndSlashName)
{
	opts.containers = {kT1, "f65d398f", "/bwfx-web"};
	auto targets = resolve();
	ASSERT_EQ(targets.size(), 3u);
	EXPECT_EQ(targets[0].name, "t1");
	EXPECT_EQ(targets[1].name, "bwfx-worker");
	EXPECT_EQ(targets[1].cgroup_id, id_of("/docker/" + kWorker));
	EXPECT_EQ(targets[2].name, "bwfx-web");
}

TEST_F(ResolverTest, RuntimeLabelComesFromTheSource)
{
	FakeSource podman(parse_container_list(fixture("podman_libpod_list.json")), "podman");
	ContainerDetails d{"5a3e1f0c9b8d7a6e5f4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a291807f6e",
			   "pm-web", "running", true, 52817, 0, {}, ""};
	podman.details[d.id] = d;
	std::string rel = "/machine.slice/libpod-" + d.id + ".scope/container";
	cgroups.mkdirs(rel);
	proc.write("/52817/cgroup", "0::" + rel + "\n");
	opts.containers = {"pm-web"};
	auto targets = resolve_targets(opts, &podman);
	ASSERT_EQ(targets.size(), 1u);
	EXPECT_EQ(targets[0].runtime, "podman");
	EXPECT_EQ(targets[0].cgroup_path, rel);
	EXPECT_EQ(targets[0].cgroup_id, id_of(rel));
}

TEST_F(ResolverTest, UnknownContainerListsTheRunningOnes)
{
	opts.containers = {"nope"};
	EXPECT_EQ(error_of([&] { resolve(); }),
		  "no running container named 'nope' (running: bwfx-worker, bwfx-web, t1)");
	FakeSource empty({});
	EXPECT_EQ(error_of([&] { resolve_targets(opts, &empty); }),
		  "no running container named 'nope' (no containers are running)");
}

TEST_F(ResolverTest, StoppedContainerIsNamedAsStopped)
{
	opts.containers = {"bwfx-stopped"};
	EXPECT_EQ(error_of([&] { resolve(); }), "container 'bwfx-stopped' is not running (created)");
}

TEST_F(ResolverTest, AmbiguousPrefixIsAnError)
{
	source->running_.push_back({kWeb.substr(0, 4) + std::string(60, 'f'), {"twin"}, "", "running", 0});
	opts.containers = {kWeb.substr(0, 4)};
	std::string err = error_of([&] { resolve(); });
	EXPECT_NE(err.find("is ambiguous: 3291a8c60a29 (bwfx-web), 3291ffffffff (twin)"),
		  std::string::npos)
		<< err;
}

TEST_F(ResolverTest, ContainerThatExitsMidwayOrLeftNoCgroup)
{
	source->details.erase(kWeb); // exits between list and inspect
	opts.containers = {"bwfx-web"};
	EXPECT_EQ(error_of([&] { resolve(); }), "docker container 'bwfx-web' stopped while resolving it");

	opts.containers = {"t1"};
	std::filesystem::remove_all(proc.path() + "/3001");
	EXPECT_NE(error_of([&] { resolve(); }).find("docker container 't1': no process with pid 3001"),
		  std::string::npos);
}

TEST_F(ResolverTest, CgroupRelativeAndAbsolute)
{
	opts.cgroups = {"/docker/" + kWeb, cgroups.path() + "/docker/" + kT1, "docker/" + kWorker + "/"};
	auto targets = resolve();
	ASSERT_EQ(targets.size(), 3u);
	EXPECT_EQ(targets[0].name, "/docker/" + kWeb);
	EXPECT_EQ(targets[0].runtime, "cgroup");
	EXPECT_EQ(targets[0].container_id, kWeb);
	EXPECT_EQ(targets[0].cgroup_id, id_of("/docker/" + kWeb));
	EXPECT_EQ(targets[1].cgroup_path, "/docker/" + kT1);
	EXPECT_EQ(targets[2].cgroup_path, "/docker/" + kWorker);
	EXPECT_EQ(source->list_calls, 0) << "--cgroup must not need the runtime";
}

TEST_F(ResolverTest, MissingCgroupIsAnError)
{
	opts.cgroups = {"/docker/missing"};
	EXPECT_NE(error_of([&] { resolve(); }).find("no cgroup '/docker/missing' under " + cgroups.path()),
		  std::string::npos);
	opts.cgroups = {"/docker/../.."};
	EXPECT_NE(error_of([&] { resolve(); }).find("must not contain '..'"), std::string::npos);
}

TEST_F(ResolverTest, Pid)
{
	opts.pids = {4897};
	auto targets = resolve();
	ASSERT_EQ(targets.size(), 1u);
	EXPECT_EQ(targets[0].runtime, "pid");
	EXPECT_EQ(targets[0].pid, 4897);
	EXPECT_EQ(targets[0].cgroup_path, "/docker/" + kWeb);
	EXPECT_EQ(targets[0].cgroup_id, id_of("/docker/" + kWeb));

	opts.pids = {123456};
	EXPECT_NE(error_of([&] { resolve(); }).find("no process with pid 123456"), std::string::npos);
	opts.pids = {0};
	EXPECT_EQ(error_of([&] { resolve(); }), "--pid 0: not a process id");
}

TEST_F(ResolverTest, PidInACgroupThatIsGone)
{
	proc.write("/555/cgroup", "0::/docker/removed\n");
	opts.pids = {555};
	EXPECT_NE(error_of([&] { resolve(); }).find("cgroup of pid 555 not found under"),
		  std::string::npos);
}

TEST_F(ResolverTest, OneCgroupNamedTwiceIsOneTarget)
{
	opts.containers = {"bwfx-web"};
	opts.cgroups = {"/docker/" + kWeb};
	opts.pids = {4897};
	auto targets = resolve();
	ASSERT_EQ(targets.size(), 1u);
	EXPECT_EQ(targets[0].name, "bwfx-web") << "the first, most specific name wins";
}

TEST_F(ResolverTest, DockerDownDoesNotStopCgroupOrPid)
{
	opts.runtime = "docker";
	opts.docker_socket = proc.path() + "/no-docker.sock";
	opts.cgroups = {"/docker/" + kWeb};
	opts.pids = {3001};
	EXPECT_EQ(resolve_targets(opts).size(), 2u);

	opts.containers = {"bwfx-web"};
	EXPECT_EQ(error_of([&] { resolve_targets(opts); }),
		  "docker socket " + opts.docker_socket +
			  " not found; is dockerd running? use --cgroup or --pid instead");
}

TEST_F(ResolverTest, RuntimeFailureSurfaces)
{
	source->failure = "docker API /containers/json on /x: no answer within 5000 ms";
	opts.containers = {"bwfx-web"};
	EXPECT_EQ(error_of([&] { resolve(); }), source->failure);
}

// Following by selector: containerd containers of a pod and of labels,
// each in a scratch cgroup tree and /proc as containerd places them.
class FollowLookupTest : public ::testing::Test {
protected:
	void SetUp() override { source = std::make_unique<FakeSource>(std::vector<ContainerSummary>{}, "containerd"); }

	void run(const std::string &id, pid_t pid, Labels labels)
	{
		ContainerSummary c{id, {id}, "busybox", "running", pid};
		c.runtime = "containerd";
		c.runtime_namespace = "k8s.io";
		c.orchestration = orchestration_from_labels(labels);
		c.labels = std::move(labels);
		source->running_.push_back(c);
		source->details[id] = ContainerDetails{id, id, "running", true, pid, 0, {}, ""};
		cgroups.mkdirs("/k8s.io/" + id);
		proc.write("/" + std::to_string(pid) + "/cgroup", "0::/k8s.io/" + id + "\n");
	}
	void stop(const std::string &id)
	{
		std::erase_if(source->running_, [&](const ContainerSummary &c) { return c.id == id; });
		source->details[id].running = false;
		source->details[id].pid = 0;
	}
	ContainerLookup look_up(const Target &last)
	{
		return look_up_container(last, *source, cgroups.path(), proc.path());
	}
	static Labels pod_labels(const std::string &pod, const std::string &container)
	{
		return {{"io.kubernetes.pod.name", pod},
			{"io.kubernetes.pod.namespace", "logging"},
			{"io.kubernetes.container.name", container},
			{"app", "shipper"}};
	}

	ScratchDir proc, cgroups;
	std::unique_ptr<FakeSource> source;
};

TEST_F(FollowLookupTest, APodContainerUnderANewIdIsItsNextLife)
{
	run("aaa1", 101, pod_labels("fluent-bit-x7k2p", "fluent-bit"));
	ResolveOptions opts;
	opts.cgroup_root = cgroups.path();
	opts.proc_root = proc.path();
	opts.pods = {"logging/fluent-bit-x7k2p/fluent-bit"};
	Target first = resolve_targets(opts, source.get()).at(0);
	EXPECT_EQ(first.query, "pod:logging/fluent-bit-x7k2p/fluent-bit");

	stop("aaa1");
	EXPECT_EQ(look_up(first).state, ContainerLookup::State::stopped) << "containerd still knows the old task";
	source->details.erase("aaa1");
	EXPECT_EQ(look_up(first).state, ContainerLookup::State::absent);
	run("bbb2", 102, pod_labels("fluent-bit-x7k2p", "fluent-bit"));
	ContainerLookup l = look_up(first);
	ASSERT_EQ(l.state, ContainerLookup::State::running);
	EXPECT_EQ(l.target.container_id, "bbb2");
	EXPECT_EQ(l.target.cgroup_path, "/k8s.io/bbb2");
	EXPECT_EQ(l.target.pid, 102);
	EXPECT_EQ(l.target.query, first.query);
}

TEST_F(FollowLookupTest, ALabelSetThatSelectedOneFollowsWhatCarriesItNext)
{
	run("aaa1", 101, pod_labels("p", "c"));
	ResolveOptions opts;
	opts.cgroup_root = cgroups.path();
	opts.proc_root = proc.path();
	opts.labels = {"app=shipper"};
	Target first = resolve_targets(opts, source.get()).at(0);
	// It is in a pod: the pod names its next life best.
	EXPECT_EQ(first.query, "pod:logging/p/c");

	Selector labels = label_selector({"app=shipper", "tier=log"});
	Target plain;
	plain.runtime_name = "web";
	EXPECT_EQ(follow_query(labels, plain, 1), "label:app=shipper,tier=log");
	EXPECT_EQ(follow_query(labels, plain, 2), "web") << "one of several: followed by its own name";

	first.query = "label:app=shipper";
	stop("aaa1");
	run("bbb2", 102, {{"app", "shipper"}});
	EXPECT_EQ(look_up(first).target.container_id, "bbb2");
	run("ccc3", 103, {{"app", "shipper"}});
	std::string err = error_of([&] { look_up(first); });
	EXPECT_NE(err.find("labels app=shipper now selects 2 containers"), std::string::npos) << err;
}

TEST_F(FollowLookupTest, AnEcsNameThatStoppedIsStoppedNotRemoved)
{
	run("aaa1", 101, {{"com.amazonaws.ecs.container-name", "log-router"}});
	Target last;
	last.query = "log-router"; // no runtime knows this name: ECS's
	last.container_id = "aaa1";
	last.name = "log-router";
	last.name_source = "ecs labels";
	ASSERT_EQ(look_up(last).state, ContainerLookup::State::running);
	stop("aaa1");
	ContainerLookup l = look_up(last);
	EXPECT_EQ(l.state, ContainerLookup::State::stopped);
	EXPECT_EQ(l.id, "aaa1");
}

TEST_F(FollowLookupTest, ARuntimeNameDoesNotComeBackAsAPodsContainerOfThatName)
{
	Target last;
	last.query = "web"; // a Docker name, removed
	last.name = "web";
	last.name_source = "docker";
	last.container_id = "gone1";
	run("aaa1", 101, pod_labels("shop-0", "web"));
	EXPECT_EQ(look_up(last).state, ContainerLookup::State::absent);
	last.name_source = "kubernetes labels"; // selected as the pod's "web": it is
	EXPECT_EQ(look_up(last).target.container_id, "aaa1");
}

} // namespace
} // namespace bpfwatch

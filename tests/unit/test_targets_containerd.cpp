// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// containerd: OCI specs and ctr output (captured here and from a kind node,
// fixtures/targets/README.md), cgroupsPath forms, and the source over a
// scratch task-state tree, then over a stand-in ctr that replays fixtures.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <functional>

#include "targets/containerd.h"
#include "targets/runtime_error.h"
#include "test_targets_fixture.h"

namespace bpfwatch {
namespace {

using test::fixture;
using test::fixture_path;
using test::ScratchDir;
using namespace std::chrono_literals;

const std::string kCri = "c1ed727676f3ac5c652b706e4576d1ff7680dfb3fd2dc60cfd9cc87cca6d7e01";
const std::string kSandbox = "ffde0b824a13e5c81699b3059dc0bfe39ca8d8e6b7c6966c8d2562d00741ce99";

std::string error_of(const std::function<void()> &f)
{
	try {
		f();
	} catch (const Error &e) {
		return e.what();
	}
	return "(no error)";
}

TEST(ContainerdParse, BundleWrittenByCtr)
{
	OciSpec spec = parse_oci_spec(fixture("containerd_bundle_ctr_config.json"));
	EXPECT_EQ(spec.cgroups_path, "/k8s.io/bwfleet-5092-k");
	EXPECT_EQ(spec.annotations.at("io.kubernetes.pod.name"), "web-0");
	EXPECT_EQ(spec.annotations.at("io.kubernetes.pod.namespace"), "shop");
	EXPECT_EQ(spec.annotations.at("io.kubernetes.container.name"), "nginx");
	EXPECT_THROW(parse_oci_spec("[]"), RuntimeError);
	EXPECT_THROW(parse_oci_spec("{"), RuntimeError);
	EXPECT_TRUE(parse_oci_spec("{}").annotations.empty()) << "no annotations: none";
}

TEST(ContainerdParse, BundleWrittenByTheCriPlugin)
{
	OciSpec spec = parse_oci_spec(fixture("containerd_bundle_cri_config.json"));
	auto c = containerd_summary("k8s.io", kCri, spec.annotations, 2357, "running");
	EXPECT_EQ(c.runtime, "containerd");
	EXPECT_EQ(c.runtime_namespace, "k8s.io");
	EXPECT_EQ(c.orchestration.kind, "kubernetes");
	EXPECT_EQ(c.orchestration.pod, "bpfman-daemon-hf5gv");
	EXPECT_EQ(c.orchestration.pod_namespace, "bpfman");
	EXPECT_EQ(c.orchestration.container_name, "bpfman-agent");
	EXPECT_FALSE(c.orchestration.sandbox);
	EXPECT_EQ(cgroup_path_from_oci(spec.cgroups_path),
		  "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
		  "kubelet-kubepods-besteffort-pod88c00a72_09fa_4f0b_b2e7_185fcaff3b0d.slice/"
		  "cri-containerd-" + kCri + ".scope");

	OciSpec pause = parse_oci_spec(fixture("containerd_bundle_cri_sandbox_config.json"));
	EXPECT_TRUE(containerd_summary("k8s.io", kSandbox, pause.annotations, 2176, "running")
			    .orchestration.sandbox);
}

TEST(ContainerdParse, CgroupsPathForms)
{
	EXPECT_EQ(cgroup_path_from_oci(""), "");
	EXPECT_EQ(cgroup_path_from_oci("/default/web"), "/default/web");
	EXPECT_EQ(cgroup_path_from_oci("system.slice:docker:abc"), "/system.slice/docker-abc.scope");
	EXPECT_EQ(cgroup_path_from_oci(":cri-containerd:abc"), "/system.slice/cri-containerd-abc.scope")
		<< "runc's default slice";
	EXPECT_EQ(cgroup_path_from_oci("kubepods-pod1.slice::abc"), "/kubepods.slice/kubepods-pod1.slice/abc.scope");
	EXPECT_EQ(cgroup_path_from_oci("machine.slice:libpod:x.slice"), "/machine.slice/x.slice")
		<< "a slice name is taken as is";
	EXPECT_EQ(cgroup_path_from_oci("relative/path"), "/relative/path");
}

TEST(ContainerdParse, CtrOutput)
{
	EXPECT_EQ(parse_ctr_namespaces(fixture("containerd_ctr_namespaces_ls.txt")),
		  (std::vector<std::string>{"k8s.io", "moby"}));
	auto tasks = parse_ctr_tasks(fixture("containerd_ctr_tasks_ls.txt"));
	ASSERT_EQ(tasks.size(), 1u);
	EXPECT_EQ(tasks[0].id, "bwfleet-5092-k");
	EXPECT_EQ(tasks[0].pid, 6386);
	EXPECT_EQ(tasks[0].status, "RUNNING");
	EXPECT_TRUE(parse_ctr_tasks("").empty());
	EXPECT_TRUE(parse_ctr_tasks("TASK    PID    STATUS    \n").empty());
	EXPECT_THROW(parse_ctr_tasks("ctr: connection refused\n"), RuntimeError);
	EXPECT_THROW(parse_ctr_tasks("TASK PID STATUS\nweb x RUNNING\n"), RuntimeError);

	auto info = parse_ctr_container_info(fixture("containerd_ctr_containers_info.json"));
	EXPECT_EQ(info.id, "bwfleet-5092-k");
	EXPECT_EQ(info.image, "docker.io/library/bpfwatch-test-busybox:latest");
	EXPECT_EQ(info.labels.at("io.kubernetes.pod.name"), "web-0");
	EXPECT_EQ(info.labels.at("bpfwatch.rootfs"), "dbc4a8652ad9") << "image labels are containerd labels";
	EXPECT_EQ(info.spec.cgroups_path, "/k8s.io/bwfleet-5092-k");
	EXPECT_EQ(info.spec.annotations.count("bpfwatch.rootfs"), 0u) << "but not annotations";
	EXPECT_THROW(parse_ctr_container_info("{}"), RuntimeError);
}

TEST(ContainerdEndpoints, DefaultsAndTaskDirs)
{
	auto eps = default_containerd_endpoints();
	ASSERT_EQ(eps.size(), 3u);
	EXPECT_EQ(eps[0].socket, "/run/containerd/containerd.sock");
	EXPECT_EQ(eps[1].socket, "/run/k3s/containerd/containerd.sock");
	EXPECT_EQ(eps[2].socket, "/var/run/docker/containerd/containerd.sock");
	EXPECT_EQ(containerd_task_dirs(eps[2]),
		  (std::vector<std::string>{"/var/run/docker/containerd/daemon/io.containerd.runtime.v2.task"}));
	EXPECT_EQ(containerd_task_dirs({"/x/containerd.sock", ""}),
		  (std::vector<std::string>{"/x/io.containerd.runtime.v2.task",
					    "/x/daemon/io.containerd.runtime.v2.task"}));
}

// A containerd state directory with four bundles, and a /proc where the
// live ones' processes exist.
class ContainerdStateTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		ep = {dir.path() + "/containerd.sock", dir.path() + "/state"};
		bundle("k8s.io", "bwfleet-5092-k", fixture("containerd_bundle_ctr_config.json"), 6386, true);
		bundle("k8s.io", kCri, fixture("containerd_bundle_cri_config.json"), 2357, true);
		bundle("k8s.io", kSandbox, fixture("containerd_bundle_cri_sandbox_config.json"), 2176, true);
		bundle("default", "batch-1", R"({"linux":{"cgroupsPath":"/default/batch-1"}})", 7001, false);
	}

	void bundle(const std::string &ns, const std::string &id, const std::string &config, pid_t pid, bool alive)
	{
		std::string b = "/state/io.containerd.runtime.v2.task/" + ns + "/" + id;
		dir.write(b + "/config.json", config);
		dir.write(b + "/init.pid", std::to_string(pid));
		if (alive)
			dir.mkdirs("/proc/" + std::to_string(pid));
	}

	ContainerdSource source(const std::string &ctr = "ctr", DockerTimeouts t = {})
	{
		return ContainerdSource(ep, ctr, dir.path() + "/proc", t);
	}

	ScratchDir dir;
	ContainerdEndpoint ep;
};

TEST_F(ContainerdStateTest, ListsLiveTasksOfEveryNamespaceSandboxesFlagged)
{
	auto src = source();
	auto list = src.list_running();
	EXPECT_EQ(src.method(), "state");
	ASSERT_EQ(list.size(), 3u) << "the exited task of namespace default is not running";
	EXPECT_EQ(list[0].id, "bwfleet-5092-k");
	EXPECT_EQ(list[0].pid, 6386);
	EXPECT_EQ(list[0].runtime_namespace, "k8s.io");
	EXPECT_EQ(list[0].orchestration.pod, "web-0");
	EXPECT_EQ(list[0].orchestration.container_name, "nginx");
	EXPECT_EQ(list[1].id, kCri);
	EXPECT_EQ(list[1].orchestration.pod, "bpfman-daemon-hf5gv");
	EXPECT_EQ(list[1].state, "running");
	EXPECT_FALSE(list[1].orchestration.sandbox);
	EXPECT_EQ(list[2].id, kSandbox);
	EXPECT_TRUE(list[2].orchestration.sandbox);
}

TEST_F(ContainerdStateTest, InspectSaysStoppedForAnExitedTask)
{
	auto src = source();
	auto d = src.inspect("batch-1");
	ASSERT_TRUE(d);
	EXPECT_FALSE(d->running);
	EXPECT_EQ(d->status, "stopped");
	auto k = src.inspect("k8s.io/bwfleet-5092-k");
	ASSERT_TRUE(k);
	EXPECT_TRUE(k->running);
	EXPECT_EQ(k->pid, 6386);
	EXPECT_EQ(k->orchestration.pod_namespace, "shop");
	EXPECT_FALSE(src.inspect("nope"));
}

TEST_F(ContainerdStateTest, HalfWrittenBundlesAreSkippedMalformedOnesSaySo)
{
	dir.write("/state/io.containerd.runtime.v2.task/k8s.io/new/config.json", "{}"); // no init.pid yet
	EXPECT_EQ(source().list_running().size(), 3u);
	dir.write("/state/io.containerd.runtime.v2.task/k8s.io/bad/config.json", "[");
	dir.write("/state/io.containerd.runtime.v2.task/k8s.io/bad/init.pid", "1");
	try {
		source().list_running();
		FAIL() << "no error";
	} catch (const RuntimeError &e) {
		EXPECT_EQ(e.kind(), RuntimeFailure::malformed);
		EXPECT_NE(std::string(e.what()).find("/k8s.io/bad/config.json"), std::string::npos) << e.what();
	}
}

TEST_F(ContainerdStateTest, NothingThereIsMissing)
{
	ContainerdSource src({dir.path() + "/none.sock", dir.path() + "/none"}, "ctr", "/proc");
	try {
		src.list_running();
		FAIL() << "no error";
	} catch (const RuntimeError &e) {
		EXPECT_EQ(e.kind(), RuntimeFailure::missing);
		EXPECT_EQ(std::string(e.what()), "containerd socket " + dir.path() + "/none.sock not found and "
							  "no task state at " + dir.path() +
							  "/none/io.containerd.runtime.v2.task");
	}
}

// A `ctr` that answers from the captured fixtures, as containerd 1.6 did.
std::string fake_ctr(const ScratchDir &dir, const std::string &extra = "")
{
	std::string path = dir.path() + "/ctr";
	dir.write("/ctr", "#!/bin/sh\n" + extra +
				  "[ \"$1\" = -a ] || exit 2\n"
				  "shift 2\n"
				  "case \"$1 $3 $4\" in\n"
				  "'namespaces -q ') cat '" + fixture_path("containerd_ctr_namespaces_ls.txt") + "' ;;\n"
				  "'-n tasks ls') [ \"$2\" = k8s.io ] && exec cat '" +
				  fixture_path("containerd_ctr_tasks_ls.txt") + "'; echo 'TASK PID STATUS' ;;\n"
				  "'-n containers info') [ \"$5\" = bwfleet-5092-k ] && exec cat '" +
				  fixture_path("containerd_ctr_containers_info.json") + "'\n"
				  "  echo \"ctr: container \\\"$5\\\" in namespace \\\"$2\\\": not found\" >&2; exit 1 ;;\n"
				  "*) echo \"ctr: unexpected $*\" >&2; exit 1 ;;\n"
				  "esac\n");
	chmod(path.c_str(), 0755);
	return path;
}

TEST(ContainerdCtr, WithoutTaskStateTheSocketIsAskedThroughCtr)
{
	ScratchDir dir;
	dir.write("/containerd.sock", ""); // present; ctr is the stand-in
	ContainerdSource src({dir.path() + "/containerd.sock", dir.path() + "/no-state"}, fake_ctr(dir), "/proc");
	auto list = src.list_running();
	EXPECT_EQ(src.method(), "ctr");
	ASSERT_EQ(list.size(), 1u);
	EXPECT_EQ(list[0].id, "bwfleet-5092-k");
	EXPECT_EQ(list[0].pid, 6386);
	EXPECT_EQ(list[0].runtime_namespace, "k8s.io");
	EXPECT_EQ(list[0].image, "docker.io/library/bpfwatch-test-busybox:latest");
	EXPECT_EQ(list[0].labels.at("bpfwatch.rootfs"), "dbc4a8652ad9") << "containerd's labels";
	EXPECT_EQ(list[0].orchestration.pod, "web-0");
}

TEST(ContainerdCtr, ATaskDeletedWhileListingIsLeftOut)
{
	ScratchDir dir;
	dir.write("/containerd.sock", "");
	// `tasks ls` names a task whose container is gone by `containers info`.
	std::string extra = "if [ \"$5 $6\" = 'tasks ls' ] && [ \"$4\" = k8s.io ]; then cat '" +
			    fixture_path("containerd_ctr_tasks_ls.txt") + "'; echo 'gone-task    77    RUNNING'; exit 0; fi\n";
	ContainerdSource src({dir.path() + "/containerd.sock", dir.path() + "/no-state"}, fake_ctr(dir, extra), "/proc");
	auto list = src.list_running();
	ASSERT_EQ(list.size(), 1u);
	EXPECT_EQ(list[0].id, "bwfleet-5092-k");
}

TEST(ContainerdCtr, AHangingCtrCostsTheTimeoutAndSaysSo)
{
	ScratchDir dir;
	dir.write("/containerd.sock", "");
	ContainerdSource src({dir.path() + "/containerd.sock", dir.path() + "/no-state"}, fake_ctr(dir, "sleep 5\n"),
			     "/proc", DockerTimeouts{100ms, 300ms});
	auto start = std::chrono::steady_clock::now();
	try {
		src.list_running();
		FAIL() << "no error";
	} catch (const RuntimeError &e) {
		EXPECT_EQ(e.kind(), RuntimeFailure::timeout) << e.what();
	}
	EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);

	ContainerdSource refused({dir.path() + "/containerd.sock", dir.path() + "/no-state"},
				 fake_ctr(dir, "echo 'ctr: failed to dial \"/x\": connection refused' >&2; exit 1\n"),
				 "/proc");
	try {
		refused.list_running();
		FAIL() << "no error";
	} catch (const RuntimeError &e) {
		EXPECT_EQ(e.kind(), RuntimeFailure::refused) << e.what();
		EXPECT_NE(std::string(e.what()).find("ctr namespaces ls -q: ctr: failed to dial"), std::string::npos)
			<< e.what();
	}
	EXPECT_NE(error_of([&] { ContainerdSource({dir.path() + "/containerd.sock", dir.path() + "/x"},
						  dir.path() + "/no-ctr", "/proc")
						.list_running(); })
			  .find("not found on PATH"),
		  std::string::npos);
}

} // namespace
} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The targets layer against real runtimes: containerd (dockerd's own, at
// /var/run/docker/containerd/containerd.sock) running containers started
// with ctr, one with CRI-style labels in namespace k8s.io and one in
// namespace default; a Docker container with the ECS agent's labels; and
// runtimes that do not answer. Needs root, dockerd, ctr and the busybox
// test image; under scripts/test a missing one fails the test.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "e2e/e2e_support.h"
#include "support/skip.h"
#include "targets/cgroup.h"
#include "targets/listing.h"
#include "targets/resolver.h"
#include "unit/test_targets_fake_server.h"

namespace bpfwatch::e2e {
namespace {

using namespace std::chrono_literals;
using test::FakeUnixServer;

const std::string kSock = "/var/run/docker/containerd/containerd.sock";
const std::string kRef = std::string("docker.io/library/") + kImage;

// What is missing for the containerd tests besides what require_docker
// checks: ctr, and dockerd's containerd socket. "" when nothing.
std::string containerd_missing()
{
	struct stat st {};
	if (sh("command -v ctr >/dev/null").status != 0)
		return "ctr not found (Debian's containerd package; scripts/install-deps --test)";
	if (stat(kSock.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode))
		return kSock + " absent: dockerd runs no containerd here";
	return "";
}

// Root, dockerd, the image, ctr and dockerd's containerd; fails under
// scripts/test, skips elsewhere.
#define REQUIRE_CONTAINERD()                                                                                 \
	do {                                                                                                 \
		require_docker();                                                                            \
		if (IsSkipped() || HasFailure())                                                             \
			return;                                                                              \
		if (std::string why = containerd_missing(); !why.empty())                                    \
			BW_SKIP_OR_FAIL(why);                                                                \
	} while (0)

std::string ctr(const std::string &ns, const std::string &args)
{
	return "ctr -a " + kSock + " -n " + ns + " " + args;
}

// The test image in containerd namespace `ns` (imported from Docker once).
bool image_in(const std::string &ns)
{
	if (sh(ctr(ns, "images ls -q") + " | grep -qxF '" + kRef + "'").status == 0)
		return true;
	return sh("docker save " + std::string(kImage) + " | " + ctr(ns, "images import - >/dev/null")).status == 0;
}

// A ctr container, its task killed and both deleted however the test ends.
class CtrContainer {
public:
	CtrContainer(std::string ns, std::string id, const std::string &labels) : ns_(std::move(ns)), id_(std::move(id))
	{
		remove();
		ok_ = sh(ctr(ns_, "run -d " + labels + " " + kRef + " " + id_ + " sleep 120 >/dev/null")).status == 0;
	}
	~CtrContainer() { remove(); }
	bool ok() const { return ok_; }
	const std::string &id() const { return id_; }
	// The task's pid as `ctr tasks ls` says it.
	pid_t task_pid() const
	{
		return static_cast<pid_t>(std::atol(
			sh_out(ctr(ns_, "tasks ls") + " | awk '$1 == \"" + id_ + "\" {print $2}'").c_str()));
	}

private:
	void remove()
	{
		sh(ctr(ns_, "tasks kill -s KILL " + id_ + " >/dev/null 2>&1"));
		eventually([&] { return sh(ctr(ns_, "tasks rm -f " + id_ + " >/dev/null 2>&1")).status == 0 ||
					sh(ctr(ns_, "tasks ls -q") + " | grep -qxF " + id_).status != 0; },
			   5s);
		sh(ctr(ns_, "containers rm " + id_ + " >/dev/null 2>&1"));
	}
	std::string ns_, id_;
	bool ok_ = false;
};

std::uint64_t inode(const std::string &path)
{
	struct stat st {};
	EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
	return st.st_ino;
}

std::string unique(const std::string &what)
{
	return "bwfleet-" + std::to_string(getpid()) + "-" + what;
}

TEST(TargetsRuntimes, ContainerdPodsAndIdsResolveToTheirCgroups)
{
	REQUIRE_CONTAINERD();
	ASSERT_TRUE(image_in("k8s.io"));
	ASSERT_TRUE(image_in("default"));
	const std::string pod = unique("pod");
	CtrContainer k8s("k8s.io", unique("k"),
			 "--label io.kubernetes.pod.name=" + pod + " --label io.kubernetes.pod.namespace=bwfleet" +
				 " --label io.kubernetes.container.name=logger --label app=" + pod);
	CtrContainer plain("default", unique("d"), "");
	ASSERT_TRUE(k8s.ok() && plain.ok());
	const std::string root = cgroup_root_or_detect("");

	ResolveOptions opts;
	opts.runtime = "containerd";
	opts.pods = {"bwfleet/" + pod};
	auto targets = resolve_targets(opts);
	ASSERT_EQ(targets.size(), 1u);
	const Target &t = targets[0];
	EXPECT_EQ(t.runtime, "containerd");
	EXPECT_EQ(t.runtime_namespace, "k8s.io");
	EXPECT_EQ(t.name, "logger");
	EXPECT_EQ(t.name_source, "kubernetes labels");
	EXPECT_EQ(t.pod, pod);
	EXPECT_EQ(t.pod_namespace, "bwfleet");
	EXPECT_EQ(t.container_id, k8s.id());
	EXPECT_EQ(t.pid, k8s.task_pid());
	EXPECT_EQ(t.cgroup_path, "/k8s.io/" + k8s.id());
	EXPECT_EQ(t.cgroup_id, inode(root + "/k8s.io/" + k8s.id())) << "the inode of its real v2 cgroup";
	EXPECT_EQ(cgroup_path_of_pid(t.pid), t.cgroup_path);

	// The same by its Kubernetes container name would be ambiguous on a
	// busy host; by label and by id it is this one.
	opts.pods = {};
	opts.labels = {"app=" + pod};
	ASSERT_EQ(resolve_targets(opts).at(0).cgroup_id, t.cgroup_id);
	opts.labels = {};
	opts.containers = {plain.id()};
	auto byid = resolve_targets(opts);
	ASSERT_EQ(byid.size(), 1u);
	EXPECT_EQ(byid[0].name, plain.id());
	EXPECT_EQ(byid[0].name_source, "containerd");
	EXPECT_EQ(byid[0].runtime_namespace, "default");
	EXPECT_EQ(byid[0].pid, plain.task_pid());
	EXPECT_EQ(byid[0].cgroup_id, inode(root + "/default/" + plain.id()));
}

TEST(TargetsRuntimes, EcsContainerByItsEcsNameAndByLabel)
{
	require_docker();
	if (IsSkipped() || HasFailure())
		return;
	const std::string ecs_name = unique("router");
	const std::string arn = "arn:aws:ecs:us-west-2:111122223333:task/default/" + std::to_string(getpid()) + "f00d";
	Container c("ecs-bwfleet-1-" + ecs_name + "-c0ffee" + std::to_string(getpid()),
		    "--label com.amazonaws.ecs.cluster=default --label com.amazonaws.ecs.container-name=" + ecs_name +
			    " --label com.amazonaws.ecs.task-arn=" + arn,
		    "sleep 120");
	const pid_t pid = std::atoi(sh_out("docker inspect -f '{{.State.Pid}}' " + c.name()).c_str());
	ASSERT_GT(pid, 0);

	ResolveOptions opts;
	opts.runtime = "auto";
	opts.containers = {ecs_name};
	auto targets = resolve_targets(opts);
	ASSERT_EQ(targets.size(), 1u);
	const Target &t = targets[0];
	EXPECT_EQ(t.runtime, "docker");
	EXPECT_EQ(t.name, ecs_name);
	EXPECT_EQ(t.name_source, "ecs labels");
	EXPECT_EQ(t.runtime_name, c.name());
	EXPECT_EQ(t.task, arn);
	EXPECT_EQ(t.container_name, ecs_name);
	EXPECT_EQ(t.pid, pid);
	EXPECT_EQ(t.container_id, c.id());
	EXPECT_EQ(t.cgroup_id, inode(cgroup_root_or_detect("") + cgroup_path_of_pid(pid)));

	opts.containers = {};
	opts.labels = {"com.amazonaws.ecs.task-arn=" + arn, "com.amazonaws.ecs.container-name=" + ecs_name};
	auto bylabel = resolve_targets(opts);
	ASSERT_EQ(bylabel.size(), 1u);
	EXPECT_EQ(bylabel[0].cgroup_id, t.cgroup_id);
}

TEST(TargetsRuntimes, ListNamesRuntimesThatDoNotAnswerWithinTheTimeout)
{
	REQUIRE_CONTAINERD();
	ASSERT_TRUE(image_in("k8s.io"));
	const std::string pod = unique("listed");
	CtrContainer k8s("k8s.io", unique("l"),
			 "--label io.kubernetes.pod.name=" + pod + " --label io.kubernetes.pod.namespace=bwfleet" +
				 " --label io.kubernetes.container.name=shipper");
	ASSERT_TRUE(k8s.ok());
	Container d(unique("docker"), "", "sleep 120");

	// A CRI-O and a containerd whose sockets accept and never answer, and
	// one that is not there at all.
	const std::string dir = "/tmp/" + unique("sockets");
	sh("mkdir -p " + dir);
	FakeUnixServer crio(dir + "/crio.sock", FakeUnixServer::Mode::silent);
	FakeUnixServer wedged(dir + "/containerd.sock", FakeUnixServer::Mode::silent);
	ResolveOptions opts;
	opts.runtime = "auto";
	opts.crio_socket = crio.path();
	opts.containerd = {{kSock, ""}, {wedged.path(), dir + "/no-state"}, {dir + "/gone.sock", dir + "/gone"}};
	ListOptions lo;
	lo.timeout = 1500ms;
	auto start = std::chrono::steady_clock::now();
	ContainerListing l = list_containers(opts, lo);
	auto took = std::chrono::steady_clock::now() - start;
	sh("rm -rf " + dir);
	EXPECT_LT(took, lo.timeout + 1500ms) << "each runtime within its timeout, all at once";

	const Target *shipper = nullptr, *docker = nullptr;
	for (const auto &t : l.containers) {
		if (t.container_id == k8s.id())
			shipper = &t;
		if (t.container_id == d.id())
			docker = &t;
	}
	ASSERT_TRUE(shipper);
	EXPECT_EQ(shipper->name, "shipper");
	EXPECT_EQ(shipper->pod, pod);
	EXPECT_EQ(shipper->pid, k8s.task_pid());
	EXPECT_EQ(shipper->cgroup_id, inode(cgroup_root_or_detect("") + "/k8s.io/" + k8s.id()));
	ASSERT_TRUE(docker);
	EXPECT_EQ(docker->runtime, "docker") << "not again as containerd's namespace moby";
	EXPECT_EQ(docker->name, d.name());
	EXPECT_GT(docker->pid, 0);
	EXPECT_EQ(docker->cgroup_id, inode(cgroup_root_or_detect("") + "/docker/" + d.id()));

	std::map<std::string, const RuntimeStatus *> by_endpoint;
	for (const auto &s : l.runtimes)
		by_endpoint[s.endpoint] = &s;
	ASSERT_TRUE(by_endpoint.count(crio.path()));
	EXPECT_EQ(by_endpoint[crio.path()]->failure, "timeout") << by_endpoint[crio.path()]->error;
	EXPECT_LE(by_endpoint[crio.path()]->elapsed, lo.timeout + 500ms);
	ASSERT_TRUE(by_endpoint.count(wedged.path()));
	EXPECT_EQ(by_endpoint[wedged.path()]->failure, "timeout") << by_endpoint[wedged.path()]->error;
	ASSERT_TRUE(by_endpoint.count(dir + "/gone.sock"));
	EXPECT_EQ(by_endpoint[dir + "/gone.sock"]->failure, "missing");
	ASSERT_TRUE(by_endpoint.count(kSock));
	EXPECT_TRUE(by_endpoint[kSock]->answered) << by_endpoint[kSock]->error;
	ASSERT_TRUE(by_endpoint.count("/var/run/docker.sock"));
	EXPECT_TRUE(by_endpoint["/var/run/docker.sock"]->answered);
}

} // namespace
} // namespace bpfwatch::e2e

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The targets layer against real runtimes: containerd (dockerd's own, at
// /var/run/docker/containerd/containerd.sock) running containers started
// with ctr, one with CRI-style labels in namespace k8s.io and one in
// namespace default; a Docker container with the ECS agent's labels; and
// runtimes that do not answer. Then the same through build/bpfwatch
// (FleetCli): --pod, --container by id and by ECS name, --label, a pod's
// container made again under a new id, and `bpfwatch list`, each count
// held to the bytes the container's process wrote. Needs root, dockerd,
// ctr and the busybox test image; under scripts/test a missing one fails
// the test.
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <map>
#include <memory>

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
	// `run_args`: labels, mounts; `command`: what it runs (argv words).
	CtrContainer(std::string ns, std::string id, const std::string &run_args,
		     const std::string &command = "sleep 120")
		: ns_(std::move(ns)), id_(std::move(id))
	{
		remove();
		ok_ = sh(ctr(ns_, "run -d " + run_args + " " + kRef + " " + id_ + " " + command + " >/dev/null")).status ==
		      0;
	}
	~CtrContainer() { remove(); }
	// Kills and deletes it now, as the kubelet does before it makes the
	// pod's container again under a new id.
	void remove_now() { remove(); }
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

// ---- The same through build/bpfwatch: selectors, list, exact bytes ----

constexpr const char *kLine = "0123456789abcdefghi"; // + "\n": 20 bytes a write
constexpr std::uint64_t kLineBytes = 20;

// One life: waits (bounded, 60 s) for /trigger/NAME, then appends `lines`
// lines to /tmp/out, one write() of 20 bytes each, and idles. Nothing else
// in it writes: its exact total is lines * 20.
std::string life(const std::string &trigger, int lines)
{
	return "/bin/sh -c 'i=0; while [ ! -e /trigger/" + trigger +
	       " ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; i=0; while [ $i -lt " + std::to_string(lines) +
	       " ]; do echo " + kLine + " >> /tmp/out; i=$((i+1)); done; sleep 3600'";
}

// The trigger directory a test's containers see read-only at /trigger.
class Triggers {
public:
	Triggers() : dir_("/tmp/" + unique("triggers")) { sh("mkdir -p " + dir_); }
	~Triggers() { sh("rm -rf " + dir_); }
	void pull(const std::string &name) const { sh("touch " + dir_ + "/" + name); }
	std::string ctr_mount() const { return "--mount type=bind,src=" + dir_ + ",dst=/trigger,options=rbind:ro"; }
	std::string docker_mount() const { return "-v " + dir_ + ":/trigger:ro"; }

private:
	std::string dir_;
};

// What the container's process has written to /tmp/out, read through its
// root: the ground truth the counts are held to.
std::uint64_t written(pid_t pid)
{
	struct stat st {};
	return stat(("/proc/" + std::to_string(pid) + "/root/tmp/out").c_str(), &st) == 0 ? st.st_size : 0;
}

bool wrote(pid_t pid, std::uint64_t bytes)
{
	return eventually([&] { return written(pid) == bytes; }, 20s);
}

Subprocess bpfwatch(std::vector<std::string> args)
{
	args.insert(args.begin(), BPFWATCH_BINARY);
	for (const char *a : {"--interval", "0", "--output", "json"})
		args.push_back(a);
	return Subprocess(args);
}

// The summaries of a bpfwatch ended with SIGINT, by container id.
std::map<std::string, nlohmann::json> summaries(Subprocess &bw)
{
	bw.signal(SIGINT);
	EXPECT_EQ(bw.wait(30s), 0) << bw.err();
	std::map<std::string, nlohmann::json> out;
	for (const auto &j : json_lines(bw.out(), "summary"))
		out[j["container_id"].get<std::string>()] = j;
	return out;
}

TEST(FleetCli, ContainerdByPodAndByIdCountExactly)
{
	REQUIRE_CONTAINERD();
	ASSERT_TRUE(image_in("k8s.io"));
	ASSERT_TRUE(image_in("default"));
	Triggers go;
	const std::string pod = unique("pod");
	CtrContainer k8s("k8s.io", unique("k"),
			 go.ctr_mount() + " --label io.kubernetes.pod.name=" + pod +
				 " --label io.kubernetes.pod.namespace=bwfleet --label io.kubernetes.container.name=writer",
			 life("go", 50));
	CtrContainer plain("default", unique("d"), go.ctr_mount(), life("go", 40));
	ASSERT_TRUE(k8s.ok() && plain.ok());

	const std::string metrics = "127.0.0.1:" + std::to_string(free_loopback_port());
	Subprocess bw = bpfwatch(
		{"--containerd-socket", kSock, "--pod", "bwfleet/" + pod, "--container", plain.id(), "--metrics", metrics});
	ASSERT_TRUE(bw.wait_for_stderr("watching", 30s)) << bw.err();
	go.pull("go");
	ASSERT_TRUE(wrote(k8s.task_pid(), 50 * kLineBytes));
	ASSERT_TRUE(wrote(plain.task_pid(), 40 * kLineBytes));
	// The metrics name the pod (published once a second).
	const std::string series = "bpfwatch_write_bytes_total{container=\"writer\",runtime=\"containerd\",container_id=\"" +
				   k8s.id() + "\",pod=\"" + pod + "\",namespace=\"bwfleet\",kind=\"file\"} " +
				   std::to_string(50 * kLineBytes);
	std::string scraped;
	EXPECT_TRUE(eventually(
		[&] {
			scraped = http_get("http://" + metrics + "/metrics").body;
			return scraped.find("\n" + series + "\n") != std::string::npos;
		},
		10s))
		<< series << " in:\n" << scraped;
	auto s = summaries(bw);
	ASSERT_EQ(s.size(), 2u) << bw.out();
	const auto &p = s[k8s.id()];
	EXPECT_EQ(p["container"], "writer") << p.dump();
	EXPECT_EQ(p["runtime"], "containerd");
	EXPECT_EQ(p["pod"], pod);
	EXPECT_EQ(p["namespace"], "bwfleet");
	EXPECT_EQ(p["task"], nullptr);
	EXPECT_EQ(p["cgroup_path"], "/k8s.io/" + k8s.id());
	EXPECT_EQ(p["totals"]["bytes"], 50 * kLineBytes) << p.dump();
	EXPECT_EQ(p["totals"]["calls"], 50);
	EXPECT_EQ(p["by_kind"]["file"]["bytes"], 50 * kLineBytes);
	const auto &d = s[plain.id()];
	EXPECT_EQ(d["container"], plain.id()) << d.dump();
	EXPECT_EQ(d["pod"], nullptr);
	EXPECT_EQ(d["cgroup_path"], "/default/" + plain.id());
	EXPECT_EQ(d["totals"]["bytes"], 40 * kLineBytes) << d.dump();
	EXPECT_EQ(d["by_kind"]["file"]["bytes"], 40 * kLineBytes);
}

TEST(FleetCli, APodContainerMadeAgainUnderANewIdIsFollowed)
{
	REQUIRE_CONTAINERD();
	ASSERT_TRUE(image_in("k8s.io"));
	Triggers go;
	const std::string pod = unique("restart");
	const std::string labels = go.ctr_mount() + " --label io.kubernetes.pod.name=" + pod +
				   " --label io.kubernetes.pod.namespace=bwfleet --label io.kubernetes.container.name=app";
	auto first = std::make_unique<CtrContainer>("k8s.io", unique("r1"), labels, life("go", 50));
	ASSERT_TRUE(first->ok());
	Subprocess bw = bpfwatch({"--runtime", "containerd", "--pod", "bwfleet/" + pod + "/app"});
	ASSERT_TRUE(bw.wait_for_stderr("watching", 30s)) << bw.err();
	go.pull("go");
	ASSERT_TRUE(wrote(first->task_pid(), 50 * kLineBytes));

	// As the kubelet restarts a pod's container: the old one deleted, a
	// new one (new id, new cgroup) with the same names.
	first->remove_now();
	CtrContainer second("k8s.io", unique("r2"), labels, life("go2", 50));
	ASSERT_TRUE(second.ok());
	ASSERT_TRUE(eventually(
		[&] {
			for (const auto &n : json_lines(bw.out(), "notice"))
				if (n["kind"] == "restarted")
					return true;
			return false;
		},
		30s))
		<< bw.out() << bw.err();
	go.pull("go2");
	ASSERT_TRUE(wrote(second.task_pid(), 50 * kLineBytes));
	auto s = summaries(bw);
	ASSERT_EQ(s.size(), 1u) << bw.out();
	const auto &j = s.begin()->second;
	EXPECT_EQ(s.begin()->first, second.id()) << "the summary names its last life";
	EXPECT_EQ(j["container"], "app");
	EXPECT_EQ(j["pod"], pod);
	EXPECT_EQ(j["restarts"], 1) << j.dump();
	EXPECT_EQ(j["totals"]["bytes"], 100 * kLineBytes) << "both lives, exactly: " << j.dump();
	EXPECT_EQ(j["by_kind"]["file"]["calls"], 100);
}

TEST(FleetCli, ListShowsContainerdPodsIdsAndTheRuntimeThatDidNotAnswer)
{
	REQUIRE_CONTAINERD();
	ASSERT_TRUE(image_in("k8s.io"));
	ASSERT_TRUE(image_in("default"));
	const std::string pod = unique("listcli");
	CtrContainer k8s("k8s.io", unique("lk"),
			 "--label io.kubernetes.pod.name=" + pod +
				 " --label io.kubernetes.pod.namespace=bwfleet --label io.kubernetes.container.name=shipper");
	CtrContainer plain("default", unique("ld"), "");
	ASSERT_TRUE(k8s.ok() && plain.ok());
	const std::string dir = "/tmp/" + unique("listsock");
	sh("mkdir -p " + dir);
	FakeUnixServer crio(dir + "/crio.sock", FakeUnixServer::Mode::silent);
	const std::string root = cgroup_root_or_detect("");

	auto start = std::chrono::steady_clock::now();
	// --runtime auto: a socket given alone would mean that runtime alone.
	const std::string list = std::string(BPFWATCH_BINARY) + " list --runtime auto --timeout 1s --crio-socket " +
				 crio.path();
	CommandResult r = sh(list + " --output json");
	auto took = std::chrono::steady_clock::now() - start;
	ASSERT_EQ(r.status, 0) << r.out;
	EXPECT_LT(took, 2500ms) << "the silent CRI-O costs its 1 s timeout, once";
	auto doc = nlohmann::json::parse(r.out);
	EXPECT_EQ(doc["type"], "list");
	std::map<std::string, nlohmann::json> by_id;
	for (const auto &c : doc["containers"])
		by_id[c["container_id"].get<std::string>()] = c;
	ASSERT_TRUE(by_id.count(k8s.id())) << r.out;
	const auto &k = by_id[k8s.id()];
	EXPECT_EQ(k["runtime"], "containerd");
	EXPECT_EQ(k["name"], "shipper");
	EXPECT_EQ(k["name_source"], "kubernetes labels");
	EXPECT_EQ(k["pod"], pod);
	EXPECT_EQ(k["namespace"], "bwfleet");
	EXPECT_EQ(k["runtime_namespace"], "k8s.io");
	EXPECT_EQ(k["state"], "running");
	EXPECT_EQ(k["pid"], k8s.task_pid());
	EXPECT_EQ(k["cgroup_path"], "/k8s.io/" + k8s.id());
	EXPECT_EQ(k["cgroup_id"], inode(root + "/k8s.io/" + k8s.id()));
	ASSERT_TRUE(by_id.count(plain.id())) << r.out;
	const auto &d = by_id[plain.id()];
	EXPECT_EQ(d["name"], plain.id());
	EXPECT_EQ(d["name_source"], "containerd");
	EXPECT_EQ(d["runtime_namespace"], "default");
	EXPECT_EQ(d["pid"], plain.task_pid());
	EXPECT_EQ(d["cgroup_id"], inode(root + "/default/" + plain.id()));
	bool crio_named = false;
	for (const auto &rt : doc["runtimes"])
		if (rt["endpoint"] == crio.path()) {
			crio_named = true;
			EXPECT_EQ(rt["runtime"], "cri-o");
			EXPECT_EQ(rt["answered"], false);
			EXPECT_EQ(rt["failure"], "timeout") << rt.dump();
			EXPECT_LE(rt["elapsed_ms"].get<int>(), 1500) << rt.dump();
		}
	EXPECT_TRUE(crio_named) << r.out;

	// The table says the same to a person.
	std::string table = sh_out(list);
	EXPECT_NE(table.find("bwfleet/" + pod), std::string::npos) << table;
	EXPECT_NE(table.find(plain.id()), std::string::npos) << table;
	EXPECT_NE(table.find("cri-o " + crio.path() + ": did not answer (timeout"), std::string::npos) << table;
	sh("rm -rf " + dir);
}

TEST(FleetCli, AnEcsContainerByItsEcsNameAndByLabelsCountsExactly)
{
	require_docker();
	if (IsSkipped() || HasFailure())
		return;
	Triggers go;
	const std::string ecs_name = unique("shipper");
	const std::string arn = "arn:aws:ecs:us-west-2:111122223333:task/bwfleet/" + std::to_string(getpid()) + "cafe";
	Container c("ecs-bwfleet-2-" + ecs_name + "-e4f1" + std::to_string(getpid()),
		    go.docker_mount() + " --label com.amazonaws.ecs.cluster=bwfleet --label com.amazonaws.ecs.container-name=" +
			    ecs_name + " --label com.amazonaws.ecs.task-arn=" + arn,
		    "i=0; while [ ! -e /trigger/go ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; i=0; "
		    "while [ $i -lt 100 ]; do echo " +
			    std::string(kLine) + " >> /tmp/out; i=$((i+1)); done; sleep 3600");
	const pid_t pid = std::atoi(sh_out("docker inspect -f '{{.State.Pid}}' " + c.name()).c_str());
	ASSERT_GT(pid, 0);

	// Two at once: by the name in the task definition, and by labels.
	Subprocess by_name = bpfwatch({"--container", ecs_name});
	Subprocess by_label = bpfwatch({"--label", "com.amazonaws.ecs.cluster=bwfleet", "--label",
					"com.amazonaws.ecs.container-name=" + ecs_name});
	ASSERT_TRUE(by_name.wait_for_stderr("watching", 30s)) << by_name.err();
	ASSERT_TRUE(by_label.wait_for_stderr("watching", 30s)) << by_label.err();
	go.pull("go");
	ASSERT_TRUE(wrote(pid, 100 * kLineBytes));
	for (Subprocess *bw : {&by_name, &by_label}) {
		auto s = summaries(*bw);
		ASSERT_EQ(s.size(), 1u) << bw->out();
		const auto &j = s[c.id()];
		EXPECT_EQ(j["container"], ecs_name) << j.dump();
		EXPECT_EQ(j["runtime"], "docker");
		EXPECT_EQ(j["task"], arn);
		EXPECT_EQ(j["pod"], nullptr);
		EXPECT_EQ(j["totals"]["bytes"], 100 * kLineBytes) << j.dump();
		EXPECT_EQ(j["by_kind"]["file"]["calls"], 100);
	}
}

} // namespace
} // namespace bpfwatch::e2e

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Selecting containers by name, Kubernetes or ECS container name, pod and
// labels: the pure matcher over listed containers, then the resolver turning
// matches into one Target per cgroup over a scratch /proc and cgroup tree.
#include <gtest/gtest.h>

#include <functional>

#include "targets/containerd.h"
#include "targets/docker.h"
#include "targets/orchestration.h"
#include "targets/resolver.h"
#include "targets/selector.h"
#include "test_targets_fake_source.h"
#include "test_targets_fixture.h"

namespace bpfwatch {
namespace {

using test::FakeSource;
using test::fixture;
using test::inode_of;
using test::ScratchDir;

std::string error_of(const std::function<void()> &f)
{
	try {
		f();
	} catch (const Error &e) {
		return e.what();
	}
	return "(no error)";
}

std::string hex(char c)
{
	return std::string(64, c);
}

ContainerSummary pod_member(const std::string &id, const std::string &ns, const std::string &pod,
			    const std::string &name, pid_t pid, Labels extra = {})
{
	Labels labels{{"io.kubernetes.pod.name", pod},
		      {"io.kubernetes.pod.namespace", ns},
		      {"io.kubernetes.container.name", name}};
	labels.insert(extra.begin(), extra.end());
	return containerd_summary("k8s.io", id, labels, pid, "running");
}

// Docker's "web", two replicas of a pod with a sidecar, the pod's sandbox,
// and the ECS containers captured from dockerd.
std::vector<ContainerSummary> host()
{
	std::vector<ContainerSummary> list;
	ContainerSummary web;
	web.id = hex('a');
	web.names = {"web"};
	web.runtime = "docker";
	web.state = "running";
	list.push_back(web);
	list.push_back(pod_member(hex('b'), "shop", "web-0", "nginx", 201, {{"app", "web"}, {"tier", "front"}}));
	list.push_back(pod_member(hex('c'), "shop", "web-1", "nginx", 202, {{"app", "web"}, {"tier", "back"}}));
	list.push_back(pod_member(hex('d'), "shop", "web-0", "sidecar", 203, {{"app", "web"}}));
	auto sandbox = pod_member(hex('e'), "shop", "web-0", "POD", 200, {{"app", "web"}, {"tier", "front"}});
	list.push_back(sandbox);
	for (auto c : parse_container_list(fixture("docker_ecs_containers_list.json"))) {
		c.runtime = "docker";
		list.push_back(c);
	}
	return list;
}

std::vector<std::string> ids(const std::vector<const ContainerSummary *> &hits)
{
	std::vector<std::string> out;
	for (const auto *c : hits)
		out.push_back(c->id.substr(0, 1));
	return out;
}

TEST(Selector, Parsers)
{
	EXPECT_EQ(container_selector("/web").container, "web");
	EXPECT_EQ(error_of([] { container_selector("/"); }), "--container: empty container name");
	Selector p = pod_selector("shop/web-0/nginx");
	EXPECT_EQ(p.pod_namespace, "shop");
	EXPECT_EQ(p.pod, "web-0");
	EXPECT_EQ(p.container, "nginx");
	EXPECT_EQ(p.describe(), "pod shop/web-0 container nginx");
	EXPECT_EQ(pod_selector("shop/web-0").describe(), "pod shop/web-0");
	for (std::string bad : {"web-0", "shop/", "/web-0", "a//b", "a/b/c/d", ""})
		EXPECT_EQ(error_of([&] { pod_selector(bad); }),
			  "--pod '" + bad + "': expected NAMESPACE/POD or NAMESPACE/POD/CONTAINER");
	Selector l = label_selector({"app=web", "tier=front", "empty="});
	ASSERT_EQ(l.labels.size(), 3u);
	EXPECT_EQ(l.labels[2], (std::pair<std::string, std::string>{"empty", ""}));
	EXPECT_EQ(l.describe(), "labels app=web,tier=front,empty=");
	EXPECT_EQ(error_of([] { label_selector({"app"}); }), "--label 'app': expected KEY=VALUE");
	EXPECT_EQ(error_of([] { label_selector({"=web"}); }), "--label '=web': expected KEY=VALUE");
}

TEST(Selector, ContainerByRuntimeKubernetesOrEcsName)
{
	auto list = host();
	EXPECT_EQ(ids(match_selector(container_selector("web"), list)), (std::vector<std::string>{"a"}));
	EXPECT_EQ(ids(match_selector(container_selector("sidecar"), list)), (std::vector<std::string>{"d"}));
	auto curl = match_selector(container_selector("curl"), list);
	ASSERT_EQ(curl.size(), 1u);
	EXPECT_EQ(curl[0]->names.at(0), "ecs-curltest-24-curl-cca48e8dcadd97805600");
	EXPECT_EQ(ids(match_selector(container_selector(hex('c').substr(0, 5)), list)),
		  (std::vector<std::string>{"c"}));
	EXPECT_TRUE(match_selector(container_selector("POD"), list).empty()) << "never a sandbox";
	EXPECT_TRUE(match_selector(container_selector("~internal~ecs~pause"), list).empty());
	EXPECT_TRUE(match_selector(container_selector("ngin"), list).empty()) << "names match only whole";
}

TEST(Selector, AmbiguousNamesListTheCandidates)
{
	auto list = host();
	EXPECT_EQ(error_of([&] { match_selector(container_selector("nginx"), list); }),
		  "container name 'nginx' is ambiguous: nginx (containerd, pod shop/web-0), "
		  "nginx (containerd, pod shop/web-1); name one by --pod NAMESPACE/POD/CONTAINER or by id");
	// A runtime's own name is exact: it wins over pod members of that name.
	ContainerSummary docker_nginx;
	docker_nginx.id = hex('f');
	docker_nginx.names = {"nginx"};
	docker_nginx.runtime = "docker";
	list.push_back(docker_nginx);
	EXPECT_EQ(ids(match_selector(container_selector("nginx"), list)), (std::vector<std::string>{"f"}));

	// Two ECS tasks of one task definition: the candidates name their tasks.
	auto ecs = parse_container_list(fixture("docker_ecs_containers_list.json"));
	for (auto &c : ecs)
		c.runtime = "docker";
	ContainerSummary second = ecs[0].orchestration.container_name == "curl" ? ecs[0] : ecs[1];
	second.id = hex('9');
	second.names = {"ecs-curltest-24-curl-f0e1d2c3b4a5968778"};
	second.orchestration.task = "arn:aws:ecs:us-west-2:111122223333:task/default/1234abcd";
	ecs.push_back(second);
	EXPECT_EQ(error_of([&] { match_selector(container_selector("curl"), ecs); }),
		  "container name 'curl' is ambiguous: curl (docker, task 8f03e41243824aea923aca126495f665), "
		  "curl (docker, task 1234abcd); name one by --label com.amazonaws.ecs.task-arn=ARN or by id");
}

TEST(Selector, PodsAndLabels)
{
	auto list = host();
	EXPECT_EQ(ids(match_selector(pod_selector("shop/web-0"), list)), (std::vector<std::string>{"b", "d"}))
		<< "every container of the pod, not its sandbox";
	EXPECT_EQ(ids(match_selector(pod_selector("shop/web-0/nginx"), list)), (std::vector<std::string>{"b"}));
	EXPECT_TRUE(match_selector(pod_selector("other/web-0"), list).empty());
	EXPECT_EQ(ids(match_selector(label_selector({"app=web"}), list)),
		  (std::vector<std::string>{"b", "c", "d"}));
	EXPECT_EQ(ids(match_selector(label_selector({"app=web", "tier=front"}), list)),
		  (std::vector<std::string>{"b"}))
		<< "all must match";
	EXPECT_EQ(match_selector(label_selector({"com.amazonaws.ecs.container-name=curl"}), list).size(), 1u);
	EXPECT_TRUE(match_selector(label_selector({"app=web", "tier=none"}), list).empty());
}

TEST(Selector, NothingMatchedSaysWhatThereIs)
{
	auto list = host();
	EXPECT_EQ(no_match_message(pod_selector("shop/web-9"), list),
		  "no running pod shop/web-9 (pods: shop/web-0, shop/web-1)");
	EXPECT_EQ(no_match_message(pod_selector("shop/web-0/db"), list),
		  "no container 'db' in pod shop/web-0 (containers: nginx, sidecar)");
	EXPECT_EQ(no_match_message(pod_selector("a/b"), {}), "no running pod a/b (no pods are running)");
	EXPECT_EQ(no_match_message(label_selector({"app=db"}), list),
		  "no running container has labels app=db (5 running)");
	EXPECT_EQ(no_match_message(container_selector("db"), list),
		  "no running container named 'db' (running: web, nginx, nginx, sidecar, curl)");
}

TEST(Selector, EvaluatedAgainOnALaterList)
{
	Selector sel = pod_selector("shop/web-0/nginx");
	auto before = host();
	EXPECT_EQ(ids(match_selector(sel, before)), (std::vector<std::string>{"b"}));
	// The pod's container restarted: a new id, the same names.
	auto after = host();
	after[1].id = hex('7');
	after[1].pid = 301;
	EXPECT_EQ(ids(match_selector(sel, after)), (std::vector<std::string>{"7"}));
	EXPECT_EQ(ids(match_selector(sel, before)), (std::vector<std::string>{"b"})) << "no state kept";
}

// The pod members in a scratch cgroup tree and /proc, as containerd's
// cgroupfs layout puts them, behind a fake runtime.
class SelectResolveTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		source = std::make_unique<FakeSource>(host(), "containerd");
		for (const auto &c : source->running_) {
			if (c.pid <= 0)
				continue;
			ContainerDetails d;
			d.id = c.id;
			d.name = c.names.at(0);
			d.status = "running";
			d.running = true;
			d.pid = c.pid;
			source->details[c.id] = d;
			cgroups.mkdirs("/k8s.io/" + c.id);
			proc.write("/" + std::to_string(c.pid) + "/cgroup", "0::/k8s.io/" + c.id + "\n");
		}
		opts.proc_root = proc.path();
		opts.cgroup_root = cgroups.path();
	}

	std::vector<Target> resolve() { return resolve_targets(opts, source.get()); }

	ScratchDir proc;
	ScratchDir cgroups;
	std::unique_ptr<FakeSource> source;
	ResolveOptions opts;
};

TEST_F(SelectResolveTest, PodGivesOneTargetPerContainer)
{
	opts.pods = {"shop/web-0"};
	auto targets = resolve();
	ASSERT_EQ(targets.size(), 2u);
	const Target &t = targets[0];
	EXPECT_EQ(t.name, "nginx");
	EXPECT_EQ(t.name_source, "kubernetes labels");
	EXPECT_EQ(t.runtime, "containerd");
	EXPECT_EQ(t.runtime_namespace, "k8s.io");
	EXPECT_EQ(t.pod, "web-0");
	EXPECT_EQ(t.pod_namespace, "shop");
	EXPECT_EQ(t.container_name, "nginx");
	EXPECT_EQ(t.container_id, hex('b'));
	EXPECT_EQ(t.pid, 201);
	EXPECT_EQ(t.cgroup_path, "/k8s.io/" + hex('b'));
	EXPECT_EQ(t.cgroup_id, inode_of(cgroups.path() + "/k8s.io/" + hex('b')));
	EXPECT_EQ(t.labels.at("tier"), "front");
	EXPECT_EQ(targets[1].name, "sidecar");
	EXPECT_EQ(source->list_calls, 1);
}

TEST_F(SelectResolveTest, SelectorsTogetherGiveEachCgroupOnce)
{
	opts.containers = {"sidecar"};
	opts.pods = {"shop/web-0"};
	opts.labels = {"app=web"};
	auto targets = resolve();
	ASSERT_EQ(targets.size(), 3u);
	EXPECT_EQ(targets[0].container_id, hex('d')) << "in the order asked";
	EXPECT_EQ(targets[1].container_id, hex('b'));
	EXPECT_EQ(targets[2].container_id, hex('c'));
	EXPECT_EQ(source->list_calls, 1) << "one list for every selector";
}

TEST_F(SelectResolveTest, ErrorsAreOneLine)
{
	opts.pods = {"shop/web-9"};
	EXPECT_EQ(error_of([&] { resolve(); }), "no running pod shop/web-9 (pods: shop/web-0, shop/web-1)");
	opts.pods = {};
	opts.labels = {"app=db"};
	EXPECT_EQ(error_of([&] { resolve(); }), "no running container has labels app=db (5 running)");
	opts.labels = {};
	opts.containers = {"nginx"};
	EXPECT_NE(error_of([&] { resolve(); }).find("container name 'nginx' is ambiguous"), std::string::npos);
	opts.containers = {"sidecar"};
	source->details.erase(hex('d'));
	EXPECT_EQ(error_of([&] { resolve(); }), "containerd container 'sidecar' stopped while resolving it");
}

} // namespace
} // namespace bpfwatch

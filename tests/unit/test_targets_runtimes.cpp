// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Podman without its socket (a stand-in podman script replays captured
// output), several runtimes as one, and which runtime --runtime picks.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>

#include "targets/podman_cli.h"
#include "targets/runtimes.h"
#include "test_targets_fake_source.h"
#include "test_targets_fixture.h"
#include "util/command.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

using test::FakeSource;
using test::fixture;
using test::fixture_path;
using test::ScratchDir;
using namespace std::chrono_literals;

const std::string kProbe = "93be0c1ca9ca0c5f6cf7403fcce77e80dc4a9c5fa66ebf78216bb1728bafbba1";

std::string error_of(const std::function<void()> &f)
{
	try {
		f();
	} catch (const Error &e) {
		return e.what();
	}
	return "(no error)";
}

// A `podman` that answers `ps` and `inspect` from the captured fixtures,
// and says what real podman 4.3 says for an unknown name.
std::string fake_podman(const ScratchDir &dir, const std::string &extra = "")
{
	std::string path = dir.path() + "/podman";
	dir.write("/podman", "#!/bin/sh\n" + extra +
				     "case \"$1\" in\n"
				     "ps) cat '" + fixture_path("podman_ps.json") + "' ;;\n"
				     "inspect) [ \"$5\" = bwx-probe ] || [ \"$5\" = " + kProbe + " ] && exec cat '" +
				     fixture_path("podman_inspect_running.json") + "'\n"
				     "  echo '[]'; echo \"Error: no such container $5\" >&2; exit 125 ;;\n"
				     "*) echo \"Error: unknown command $1\" >&2; exit 125 ;;\n"
				     "esac\n");
	chmod(path.c_str(), 0755);
	return path;
}

TEST(PodmanCli, ParsesTheCapturedOutput)
{
	auto list = parse_container_list(fixture("podman_ps.json"));
	ASSERT_EQ(list.size(), 1u);
	EXPECT_EQ(list[0].id, kProbe);
	EXPECT_EQ(list[0].names, (std::vector<std::string>{"bwx-probe"}));
	EXPECT_EQ(list[0].pid, 15710);

	auto d = parse_podman_inspect(fixture("podman_inspect_running.json"));
	ASSERT_TRUE(d);
	EXPECT_EQ(d->id, kProbe);
	EXPECT_EQ(d->name, "bwx-probe");
	EXPECT_TRUE(d->running);
	EXPECT_EQ(d->pid, 15710);
	EXPECT_TRUE(d->exec_ids.empty());
	EXPECT_FALSE(parse_podman_inspect("[]"));
	EXPECT_THROW(parse_podman_inspect("{}"), Error);
	EXPECT_THROW(parse_podman_inspect("Error: boom"), Error);
}

TEST(PodmanCli, RunsTheCommand)
{
	ScratchDir dir;
	PodmanCli cli(fake_podman(dir));
	EXPECT_EQ(cli.runtime(), "podman");
	auto list = cli.list_running();
	ASSERT_EQ(list.size(), 1u);
	EXPECT_EQ(list[0].names.at(0), "bwx-probe");
	ASSERT_TRUE(cli.inspect("bwx-probe"));
	EXPECT_EQ(cli.inspect(kProbe)->pid, 15710);
	EXPECT_FALSE(cli.inspect("nope")) << "unknown name: not an error";
}

TEST(PodmanCli, FailuresSayWhat)
{
	ScratchDir dir;
	std::string broken = dir.path() + "/broken";
	dir.write("/broken", "#!/bin/sh\necho 'Error: database is locked' >&2\nexit 125\n");
	chmod(broken.c_str(), 0755);
	PodmanCli cli(broken);
	EXPECT_EQ(error_of([&] { cli.list_running(); }), "podman ps failed (exit 125): Error: database is locked");
	EXPECT_NE(error_of([&] { cli.inspect("x"); }).find("database is locked"), std::string::npos);

	// A wedged podman is killed at the deadline, not waited for.
	std::string slow = fake_podman(dir, "sleep 5\n");
	PodmanCli stuck(slow, DockerTimeouts{100ms, 300ms});
	auto start = std::chrono::steady_clock::now();
	EXPECT_NE(error_of([&] { stuck.list_running(); }).find("no answer within 300 ms"), std::string::npos);
	EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(RunCommand, CapturesBothStreamsAndTheStatus)
{
	CommandResult r = run_command({"sh", "-c", "echo out; echo err >&2; exit 3"}, 5s);
	EXPECT_EQ(r.status, 3);
	EXPECT_EQ(r.out, "out\n");
	EXPECT_EQ(r.err, "err\n");
	EXPECT_EQ(run_command({"sh", "-c", "kill -9 $$"}, 5s).status, 128 + 9);
	EXPECT_EQ(error_of([] { run_command({"no-such-program-bpfwatch"}, 1s); }),
		  "no-such-program-bpfwatch: not found on PATH");
	EXPECT_NE(error_of([] { run_command({"sh", "-c", "yes"}, 5s, 1 << 20); }).find("more than 1 MiB"),
		  std::string::npos);
	EXPECT_TRUE(find_program("no-such-program-bpfwatch").empty());
	EXPECT_FALSE(find_program("sh").empty());
}

std::vector<ContainerSummary> one(const std::string &id, const std::string &name)
{
	ContainerSummary c;
	c.id = id;
	c.names = {name};
	c.state = "running";
	return {c};
}

ContainerDetails running(const std::string &id, const std::string &name, pid_t pid)
{
	ContainerDetails d;
	d.id = id;
	d.name = name;
	d.status = "running";
	d.running = true;
	d.pid = pid;
	return d;
}

TEST(AnyRuntime, MergesListsAndLabelsEachContainer)
{
	auto docker = std::make_unique<FakeSource>(one(std::string(64, 'a'), "web"), "docker");
	auto podman = std::make_unique<FakeSource>(one(std::string(64, 'b'), "db"), "podman");
	podman->details["db"] = running(std::string(64, 'b'), "db", 42);
	podman->details[std::string(64, 'b')] = podman->details["db"];
	FakeSource *docker_raw = docker.get();
	std::vector<std::unique_ptr<ContainerSource>> sources;
	sources.push_back(std::move(docker));
	sources.push_back(std::move(podman));
	AnyRuntime any(std::move(sources), "none");
	EXPECT_EQ(any.runtime(), "docker+podman");

	auto list = any.list_running();
	ASSERT_EQ(list.size(), 2u);
	EXPECT_EQ(any.runtime_of(std::string(64, 'a')), "docker");
	EXPECT_EQ(any.runtime_of(std::string(64, 'b')), "podman");
	EXPECT_TRUE(any.partial_failure().empty());
	EXPECT_EQ(any.inspect(std::string(64, 'b'))->pid, 42);
	EXPECT_EQ(docker_raw->inspect_calls, 0) << "an id goes to the runtime that listed it";
	EXPECT_EQ(any.inspect("db")->pid, 42) << "a name is asked of each in turn";
	EXPECT_FALSE(any.inspect("nope"));

	// One runtime down: the other's containers still resolve, and the
	// failure is kept for the "not found" message.
	docker_raw->failure = "docker socket /x: cannot connect";
	list = any.list_running();
	ASSERT_EQ(list.size(), 1u);
	EXPECT_EQ(any.partial_failure(), "docker socket /x: cannot connect");
	EXPECT_FALSE(any.inspect("nope"));
}

TEST(AnyRuntime, AContainerIsListedOnceByTheFirstRuntimeThatKnowsIt)
{
	// dockerd's containerd lists Docker's containers again (namespace moby).
	auto docker = std::make_unique<FakeSource>(one(std::string(64, 'a'), "web"), "docker");
	auto containerd = std::make_unique<FakeSource>(one(std::string(64, 'a'), std::string(64, 'a')), "containerd");
	containerd->running_.push_back(one("bwfleet-k", "bwfleet-k").front());
	std::vector<std::unique_ptr<ContainerSource>> sources;
	sources.push_back(std::move(docker));
	sources.push_back(std::move(containerd));
	AnyRuntime any(std::move(sources), "none");
	auto list = any.list_running();
	ASSERT_EQ(list.size(), 2u);
	EXPECT_EQ(list[0].names.at(0), "web");
	EXPECT_EQ(list[0].runtime, "docker");
	EXPECT_EQ(list[1].runtime, "containerd");
	EXPECT_EQ(any.runtime_of(std::string(64, 'a')), "docker");
}

TEST(AnyRuntime, RuntimesAreAskedAtOnce)
{
	std::vector<std::unique_ptr<ContainerSource>> sources;
	for (char c : {'a', 'b', 'c'}) {
		auto s = std::make_unique<FakeSource>(one(std::string(64, c), std::string(1, c)), "docker");
		s->delay = 300ms;
		sources.push_back(std::move(s));
	}
	AnyRuntime any(std::move(sources), "none");
	auto start = std::chrono::steady_clock::now();
	EXPECT_EQ(any.list_running().size(), 3u);
	EXPECT_LT(std::chrono::steady_clock::now() - start, 800ms) << "not one after the other (900 ms)";
}

TEST(AnyRuntime, EveryRuntimeDownOrNone)
{
	auto a = std::make_unique<FakeSource>(std::vector<ContainerSummary>{}, "docker");
	auto b = std::make_unique<FakeSource>(std::vector<ContainerSummary>{}, "podman");
	a->failure = "A down";
	b->failure = "B down";
	std::vector<std::unique_ptr<ContainerSource>> sources;
	sources.push_back(std::move(a));
	sources.push_back(std::move(b));
	AnyRuntime any(std::move(sources), "none");
	EXPECT_EQ(error_of([&] { any.list_running(); }), "A down; B down");
	EXPECT_EQ(error_of([&] { any.inspect("x"); }), "A down");

	AnyRuntime empty({}, "no container runtime found");
	EXPECT_EQ(empty.runtime(), "none");
	EXPECT_EQ(error_of([&] { empty.list_running(); }), "no container runtime found");
}

TEST(AnyRuntime, NotFoundListsEveryRuntimeAndWhoCouldNotBeAsked)
{
	ScratchDir cgroups;
	auto docker = std::make_unique<FakeSource>(std::vector<ContainerSummary>{}, "docker");
	docker->failure = "docker API /containers/json on /x: cannot connect";
	auto podman = std::make_unique<FakeSource>(one(std::string(64, 'b'), "db"), "podman");
	std::vector<std::unique_ptr<ContainerSource>> sources;
	sources.push_back(std::move(docker));
	sources.push_back(std::move(podman));
	AnyRuntime any(std::move(sources), "none");
	ResolveOptions opts;
	opts.cgroup_root = cgroups.path();
	opts.containers = {"web"};
	EXPECT_EQ(error_of([&] { resolve_targets(opts, &any); }),
		  "no running container named 'web' (running: db); "
		  "docker API /containers/json on /x: cannot connect");
}

class RuntimeChoiceTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		opts.docker_socket = dir.path() + "/docker.sock";
		opts.podman_socket = dir.path() + "/podman.sock";
		opts.podman_program = dir.path() + "/no-podman";
		opts.containerd = {{dir.path() + "/containerd.sock", dir.path() + "/containerd"}};
		opts.crio_socket = dir.path() + "/crio.sock";
	}
	ScratchDir dir;
	ResolveOptions opts;
};

TEST_F(RuntimeChoiceTest, AutoIsTheDefaultAndDockerIsAskedAlone)
{
	EXPECT_EQ(ResolveOptions{}.runtime, "auto");
	opts.runtime = "docker";
	EXPECT_EQ(make_container_source(opts)->runtime(), "docker");
}

TEST_F(RuntimeChoiceTest, AutoTakesWhatIsPresent)
{
	opts.runtime = "auto";
	EXPECT_EQ(error_of([&] { make_container_source(opts)->list_running(); }),
		  "no container runtime found: no Docker socket at " + opts.docker_socket +
			  ", no Podman socket at " + opts.podman_socket + ", no " + opts.podman_program +
			  " on PATH, no containerd at " + dir.path() + "/containerd.sock, no CRI-O socket at " +
			  opts.crio_socket + "; use --cgroup or --pid instead");

	opts.podman_program = fake_podman(dir);
	auto only_cli = make_container_source(opts);
	EXPECT_EQ(only_cli->runtime(), "podman");
	EXPECT_EQ(only_cli->list_running().at(0).names.at(0), "bwx-probe");

	dir.write("/docker.sock", ""); // present: auto asks it, first
	auto both = make_container_source(opts);
	EXPECT_EQ(both->runtime(), "docker+podman");
	auto list = both->list_running(); // the "socket" is a plain file: docker fails
	ASSERT_EQ(list.size(), 1u);
	EXPECT_EQ(both->runtime_of(kProbe), "podman");
	EXPECT_NE(both->partial_failure().find("is not a unix socket"), std::string::npos)
		<< both->partial_failure();
}

TEST_F(RuntimeChoiceTest, PodmanPrefersItsSocket)
{
	opts.runtime = "podman";
	EXPECT_NE(error_of([&] { make_container_source(opts)->list_running(); })
			  .find("podman socket " + opts.podman_socket + " not found"),
		  std::string::npos);
	opts.podman_program = fake_podman(dir);
	EXPECT_EQ(make_container_source(opts)->list_running().size(), 1u) << "the CLI";
	dir.write("/podman.sock", "");
	EXPECT_EQ(error_of([&] { make_container_source(opts)->list_running(); }),
		  "podman socket " + opts.podman_socket + " is not a unix socket")
		<< "the socket, once present";
	opts.runtime = "rkt";
	EXPECT_EQ(error_of([&] { make_container_source(opts); }),
		  "unknown container runtime 'rkt' (auto, docker, podman, containerd or cri-o)");
}

TEST_F(RuntimeChoiceTest, ContainerdAndCrioByName)
{
	opts.runtime = "containerd";
	EXPECT_EQ(error_of([&] { make_container_source(opts)->list_running(); }),
		  "no containerd found: no containerd at " + dir.path() +
			  "/containerd.sock; use --cgroup or --pid instead");
	dir.mkdirs("/containerd/io.containerd.runtime.v2.task/k8s.io");
	auto containerd = make_container_source(opts);
	EXPECT_EQ(containerd->runtime(), "containerd");
	EXPECT_TRUE(containerd->list_running().empty()) << "state present, no tasks";

	opts.runtime = "cri-o";
	auto crio = make_container_source(opts);
	EXPECT_EQ(crio->runtime(), "cri-o");
	EXPECT_EQ(error_of([&] { crio->list_running(); }),
		  "cri-o socket " + opts.crio_socket + " not found; is cri-o running? use --cgroup or --pid instead");
}

TEST_F(RuntimeChoiceTest, CandidatesNameEveryEndpointOnce)
{
	opts.runtime = "auto";
	// One state directory reached by two names (/run and /var/run).
	dir.mkdirs("/containerd/io.containerd.runtime.v2.task");
	symlink((dir.path() + "/containerd").c_str(), (dir.path() + "/alias").c_str());
	opts.containerd.push_back({dir.path() + "/alias/containerd.sock", dir.path() + "/alias"});
	opts.containerd.push_back({dir.path() + "/k3s.sock", dir.path() + "/k3s"});
	auto c = runtime_candidates(opts);
	std::vector<std::string> seen;
	for (const auto &x : c)
		seen.push_back(x.runtime + (x.present ? "+" : "-"));
	EXPECT_EQ(seen, (std::vector<std::string>{"docker-", "podman-", "containerd+", "containerd-", "cri-o-"}));
	EXPECT_EQ(c[3].endpoint, dir.path() + "/k3s.sock");
}

} // namespace
} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// What scripts/build-toolbox-image makes: a small FROM-scratch image whose
// label names the binary it carries, an archive `docker load` takes back,
// and a release tarball that runs on the host with only its own loader
// and libraries.
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "e2e/toolbox_support.h"
#include "support/skip.h"

namespace bpfwatch::e2e {
namespace {

using namespace std::chrono_literals;

const std::string kScript = std::string(BPFWATCH_SOURCE_DIR) + "/scripts/build-toolbox-image";

std::string version()
{
	std::string v = sh_out(std::string(BPFWATCH_BINARY) + " --version"); // "bpfwatch 0.1.0"
	return v.substr(v.find(' ') + 1);
}

// A scratch directory removed with everything in it.
struct TempDir {
	std::string path;
	TempDir()
	{
		char tmpl[] = "/tmp/bpfwatch-e2e-bundle-XXXXXX";
		path = mkdtemp(tmpl);
	}
	~TempDir() { sh("rm -rf '" + path + "'"); }
};

TEST(ToolboxImage, SmallFromScratchAndCarriesTheBinaryItsLabelNames)
{
	Engine docker = docker_engine();
	require_toolbox(docker);
	if (IsSkipped() || HasFailure())
		return;
	const std::string ref = "bpfwatch-toolbox:" + version();
	EXPECT_EQ(sh_out("docker image inspect -f '{{.Id}}' " + ref),
		  sh_out("docker image inspect -f '{{.Id}}' bpfwatch-toolbox:latest"))
		<< "tagged with the project version and latest";
	long size = std::atol(sh_out("docker image inspect -f '{{.Size}}' " + ref).c_str());
	EXPECT_GT(size, 0);
	EXPECT_LT(size, 32'000'000) << "the image budget (scripts/build-toolbox-image)";
	EXPECT_EQ(sh_out("docker image inspect -f '{{len .RootFS.Layers}}' " + ref), "1") << "FROM scratch, one COPY";

	std::string run = "docker run --rm --pull never --network none --cap-drop ALL " + ref + " ";
	EXPECT_EQ(sh_out(run + "bpfwatch --version"), "bpfwatch " + version());
	EXPECT_EQ(sh(run + "bpftool version >/dev/null").status, 0);
	EXPECT_EQ(sh_out(run + "sh -c 'echo $((6 * 7))'"), "42") << "busybox";
	std::string label = sh_out("docker image inspect -f '{{index .Config.Labels \"bpfwatch.binary-sha256\"}}' " + ref);
	EXPECT_EQ(label.size(), 64u);
	EXPECT_EQ(sh_out(run + "sha256sum /usr/bin/bpfwatch").substr(0, 64), label);

	// Up to date: a build right after a build only checks, and keeps the
	// same image (the first may build: the tree can change under a
	// developer's run).
	ASSERT_EQ(sh(kScript + " --runtime docker >/dev/null 2>&1").status, 0);
	std::string id = sh_out("docker image inspect -f '{{.Id}}' " + ref);
	CommandResult again = sh(kScript + " --runtime docker 2>&1");
	EXPECT_EQ(again.status, 0) << again.out;
	EXPECT_EQ(again.out.find("built docker image"), std::string::npos) << again.out;
	EXPECT_EQ(sh_out("docker image inspect -f '{{.Id}}' " + ref), id);
}

TEST(ToolboxImage, SavedArchiveLoadsBack)
{
	Engine docker = docker_engine();
	require_toolbox(docker);
	if (IsSkipped() || HasFailure())
		return;
	TempDir dir;
	std::string archive = dir.path + "/bpfwatch-toolbox.tar.gz";
	CommandResult r = sh(kScript + " --runtime docker --save " + archive + " 2>&1");
	ASSERT_EQ(r.status, 0) << r.out;
	EXPECT_NE(r.out.find("docker load -i " + archive), std::string::npos) << "says how to load it: " << r.out;
	CommandResult load = sh("docker load -i " + archive + " 2>&1");
	EXPECT_EQ(load.status, 0) << load.out;
	EXPECT_NE(load.out.find("bpfwatch-toolbox:" + version()), std::string::npos) << load.out;
	EXPECT_NE(load.out.find("bpfwatch-toolbox:latest"), std::string::npos) << load.out;
}

TEST(ReleaseTarball, RunsOnTheHostWithOnlyItsOwnLoaderAndLibraries)
{
	if (geteuid() != 0)
		BW_SKIP_OR_FAIL("needs root (loads BPF programs)");
	TempDir dir;
	CommandResult r = sh(kScript + " --tarball " + dir.path + " 2>&1");
	ASSERT_EQ(r.status, 0) << r.out;
	std::string name = "bpfwatch-" + version() + "-x86_64";
	ASSERT_EQ(sh("tar -xzf " + dir.path + "/" + name + ".tar.gz -C " + dir.path).status, 0);
	std::string bundle = dir.path + "/" + name;
	EXPECT_EQ(sh_out(bundle + "/bin/bpfwatch --version"), "bpfwatch " + version());

	Subprocess bw({bundle + "/bin/bpfwatch", "--pid", std::to_string(getpid()), "--duration", "3s", "--output",
		       "json", "--interval", "0"});
	ASSERT_TRUE(bw.wait_for_stderr("watching", 20s)) << bw.err();
	// Every shared object mapped comes from the bundle, none from the host.
	std::ifstream maps("/proc/" + std::to_string(bw.pid()) + "/maps");
	int from_bundle = 0;
	for (std::string line; std::getline(maps, line);) {
		std::size_t slash = line.find('/');
		if (slash == std::string::npos || line.find(".so") == std::string::npos)
			continue;
		std::string path = line.substr(slash);
		EXPECT_EQ(path.rfind(bundle + "/", 0), 0u) << "mapped from outside the bundle: " << path;
		from_bundle++;
	}
	EXPECT_GT(from_bundle, 5) << "libcurl and its dependencies";
	ASSERT_EQ(bw.wait(20s), 0) << bw.err();
	EXPECT_EQ(json_lines(bw.out(), "summary").size(), 1u) << bw.out();
}

} // namespace
} // namespace bpfwatch::e2e

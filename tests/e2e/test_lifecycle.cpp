// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Lifecycle: bpfwatch started and stopped by SIGTERM, SIGINT or SIGKILL at
// random moments (while it loads, attaches, or reports every 200 ms),
// over and over. Afterwards no bpfwatch program, map, link, pin or cgroup
// attachment is left in the kernel, and a container that wrote throughout
// never saw a write fail.
//   BPFWATCH_LIFECYCLE_LOOPS  how many starts (default kDefaultLoops)
//   BPFWATCH_LIFECYCLE_SEED   the RNG seed (printed; default: random)
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <cstring>

#include "e2e/e2e_support.h"

namespace bpfwatch::e2e {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// 100 in full; CI runs this many (see docs/RELIABILITY.md for its time).
constexpr int kDefaultLoops = 100;

int env_int(const char *name, int fallback)
{
	const char *v = std::getenv(name);
	return v && *v ? std::atoi(v) : fallback;
}

json bpftool(const std::string &what)
{
	auto j = json::parse(sh("bpftool " + what + " --json 2>/dev/null").out, nullptr, false);
	return j.is_array() ? j : json::array();
}

// Every "prog_id:", "map_id:" and "link_id:" any live process holds an fd
// of (its fdinfo), as "prog:ID" etc.: what is held goes when its holder
// does; what nobody holds and stays is left behind.
std::set<std::string> held_by_any_process()
{
	std::set<std::string> held;
	DIR *proc = opendir("/proc");
	if (!proc)
		return held;
	while (dirent *p = readdir(proc)) {
		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		std::string dir = std::string("/proc/") + p->d_name + "/fdinfo";
		DIR *fds = opendir(dir.c_str());
		if (!fds)
			continue;
		while (dirent *f = readdir(fds)) {
			if (f->d_name[0] == '.')
				continue;
			std::ifstream info(dir + "/" + f->d_name);
			for (std::string line; std::getline(info, line);)
				for (const char *kind : {"prog", "map", "link"})
					if (line.rfind(std::string(kind) + "_id:", 0) == 0)
						held.insert(std::string(kind) + ":" +
							    std::to_string(std::stoul(line.substr(line.find(':') + 1))));
		}
		closedir(fds);
	}
	closedir(proc);
	return held;
}

// bpfwatch's objects that nobody holds: programs and maps by the names a
// running bpfwatch showed, links and cgroup attachments of its programs,
// and pins. Other tests may run bpfwatch meanwhile: theirs are held.
std::vector<std::string> left_behind(const std::set<std::string> &prog_names, const std::set<std::string> &map_names)
{
	std::set<std::string> held = held_by_any_process();
	std::vector<std::string> out;
	std::map<std::uint32_t, std::string> ours; // prog id -> name
	for (const json &p : bpftool("prog show"))
		if (prog_names.count(p.value("name", "")))
			ours[p["id"].get<std::uint32_t>()] = p["name"];
	for (const auto &[id, name] : ours)
		if (!held.count("prog:" + std::to_string(id)))
			out.push_back("prog " + std::to_string(id) + " " + name);
	for (const json &m : bpftool("map show"))
		if (map_names.count(m.value("name", "")) && !held.count("map:" + std::to_string(m["id"].get<int>())))
			out.push_back("map " + std::to_string(m["id"].get<int>()) + " " + m.value("name", ""));
	for (const json &l : bpftool("link show"))
		if (ours.count(l.value("prog_id", 0u)) && !held.count("link:" + std::to_string(l["id"].get<int>())))
			out.push_back("link " + std::to_string(l["id"].get<int>()));
	// A cgroup attachment without a link would outlive every process.
	std::string tree = sh("bpftool cgroup tree 2>/dev/null").out;
	for (const auto &[id, name] : ours)
		if (tree.find(" " + name) != std::string::npos && !held.count("prog:" + std::to_string(id)))
			out.push_back("cgroup attachment of " + name);
	std::string pins = sh_out("find /sys/fs/bpf -iname '*bpfwatch*' -o -iname 'bw_*' 2>/dev/null");
	if (!pins.empty())
		out.push_back("pins: " + pins);
	return out;
}

TEST(Lifecycle, KilledAtRandomMomentsItLeavesNothingBehindAndTheWorkloadNeverNotices)
{
	require_docker();
	if (IsSkipped() || HasFailure())
		return;
	const int loops = env_int("BPFWATCH_LIFECYCLE_LOOPS", kDefaultLoops);
	const unsigned seed = static_cast<unsigned>(env_int("BPFWATCH_LIFECYCLE_SEED", std::random_device{}()));
	std::cout << "lifecycle: " << loops << " loops, seed " << seed << " (BPFWATCH_LIFECYCLE_SEED=" << seed
		  << " repeats them)" << std::endl;
	std::mt19937 rng(seed);

	std::string tag = std::to_string(getpid()), dir = "/tmp/bpfwatch-lifecycle-" + tag;
	mkdir(dir.c_str(), 0755);
	// Writes to its log pipe and a file all along; a failed write marks
	// /trigger/failed. Bounded: stops after 10 minutes.
	Container c("reliability-lifecycle-" + tag, "-v " + dir + ":/trigger",
		    "i=0; while [ $i -lt 30000 ] && [ ! -e /trigger/stop ]; do "
		    "echo line-0123456789 || echo $i >> /trigger/failed; "
		    "head -c 512 /dev/zero >> /tmp/f || echo $i >> /trigger/failed; "
		    "i=$((i+1)); sleep 0.02; done; sleep 3600");
	const std::vector<std::string> argv = {BPFWATCH_BINARY, "--container", c.name(), "--interval", "0.2s",
					       "--output", "json"};

	// One start watched to the end: how long loading takes here, and the
	// names of what a running bpfwatch holds.
	std::set<std::string> prog_names, map_names;
	Clock::time_point t0 = Clock::now();
	{
		Subprocess bw(argv);
		ASSERT_TRUE(bw.wait_for_stderr("watching", 60s)) << bw.err();
		std::set<std::uint32_t> progs = programs_held_by(bw.pid());
		for (const json &p : bpftool("prog show"))
			if (progs.count(p["id"].get<std::uint32_t>()))
				prog_names.insert(p.value("name", ""));
		std::string fdinfo = sh("cat /proc/" + std::to_string(bw.pid()) + "/fdinfo/* 2>/dev/null").out;
		for (const json &m : bpftool("map show"))
			if (fdinfo.find("map_id:\t" + std::to_string(m["id"].get<int>()) + "\n") != std::string::npos)
				map_names.insert(m.value("name", ""));
		bw.signal(SIGINT);
		ASSERT_EQ(bw.wait(30s), 0) << bw.err();
	}
	const double attach_s = std::chrono::duration<double>(Clock::now() - t0).count();
	ASSERT_GE(prog_names.size(), 5u) << "the syscall and delivery programs";
	ASSERT_GE(map_names.size(), 5u);
	std::cout << "lifecycle: one start and stop takes " << attach_s << " s; " << prog_names.size()
		  << " programs, " << map_names.size() << " maps" << std::endl;

	// Moments up to a little past attached: during load, attach, the
	// first reports.
	std::uniform_int_distribution<int> moment_ms(0, static_cast<int>(attach_s * 1300) + 300);
	const int signals[] = {SIGTERM, SIGINT, SIGKILL};
	std::map<std::string, int> seen; // "SIGTERM before watching" -> count
	for (int i = 0; i < loops && !HasFailure(); i++) {
		int sig = signals[rng() % 3];
		auto moment = std::chrono::milliseconds(moment_ms(rng));
		Subprocess bw(argv);
		// The random moment is the point: no condition to wait for.
		std::this_thread::sleep_for(moment);
		bool watching = bw.err().find("watching") != std::string::npos;
		bw.signal(sig);
		int status = bw.wait(30s);
		seen[std::string(strsignal(sig)) + (watching ? " while watching" : " while starting")]++;
		// Stopped by its own handler (0), or killed by the signal before
		// it had one; never an error, a crash or a hang.
		bool ok = status == 0 || status == 128 + sig;
		EXPECT_TRUE(ok) << "loop " << i << ", " << strsignal(sig) << " after " << moment.count()
				<< " ms: status " << status << "\n"
				<< bw.err();
	}
	for (const auto &[what, n] : seen)
		std::cout << "lifecycle: " << n << " x " << what << std::endl;

	// The kernel frees programs after an RCU grace period: a few seconds.
	std::vector<std::string> leaks;
	bool clean = eventually([&] { return (leaks = left_behind(prog_names, map_names)).empty(); }, 10s);
	EXPECT_TRUE(clean) << [&] {
		std::string s;
		for (const std::string &l : leaks)
			s += l + "\n";
		return s;
	}();

	std::ofstream(dir + "/stop") << "stop";
	EXPECT_EQ(sh_out("cat " + dir + "/failed 2>/dev/null"), "") << "the workload saw a write fail";
	EXPECT_EQ(sh_out("docker inspect -f '{{.State.Running}}' " + c.name()), "true");
	sh("rm -rf " + dir);
}

} // namespace
} // namespace bpfwatch::e2e

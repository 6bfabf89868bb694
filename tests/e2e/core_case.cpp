// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "e2e/core_case.h"

#include <sys/stat.h>

#include <csignal>
#include <fstream>
#include <sstream>

namespace bpfwatch::e2e {

using namespace std::chrono_literals;

namespace {

// Round N starts when /trigger/goN exists; each wait and the number of
// rounds are bounded.
std::string workload()
{
	return "n=1; while [ $n -le 40 ]; do "
	       "i=0; while [ ! -e /trigger/go$n ] && [ $i -lt 1800 ]; do sleep 0.1; i=$((i+1)); done; "
	       "i=0; while [ $i -lt 50 ]; do echo 0123456789abcdefghi; i=$((i+1)); done; "
	       "head -c 4096 /dev/zero >> /tmp/f; n=$((n+1)); done; sleep 3600";
}

} // namespace

CoreCase::CoreCase(const std::string &tag) : dir_("/tmp/bpfwatch-core-" + tag)
{
	mkdir(dir_.c_str(), 0755);
	container_ = std::make_unique<Container>("reliability-core-" + tag, "-v " + dir_ + ":/trigger:ro", workload());
}

CoreCase::~CoreCase()
{
	container_.reset();
	sh("rm -rf " + dir_);
}

CoreCase::Run CoreCase::watch_one_round(const std::vector<std::string> &prefix, const std::vector<std::string> &args)
{
	std::vector<std::string> argv = prefix;
	if (!argv.empty() && argv[0].find('/') == std::string::npos) // Subprocess execv()s: a full path
		argv[0] = sh_out("command -v " + argv[0]);
	for (const std::string &a : {std::string(BPFWATCH_BINARY), std::string("--container"), container_->name(),
				     std::string("--output"), std::string("json"), std::string("--interval"),
				     std::string("0")})
		argv.push_back(a);
	argv.insert(argv.end(), args.begin(), args.end());
	Subprocess bw(argv);
	Run r;
	if (bw.wait_for_stderr("watching", 60s)) {
		round_++;
		std::ofstream(dir_ + "/go" + std::to_string(round_)) << "go";
		std::string want = std::to_string(round_ * kLogBytes);
		bool logged = eventually(
			[&] { return sh_out("docker logs " + container_->name() + " 2>/dev/null | wc -c") == want; },
			30s);
		EXPECT_TRUE(logged) << "round " << round_ << " was not logged";
		// The group: a prefix such as strace passes no SIGINT on.
		bw.signal_group(SIGINT);
	}
	r.status = bw.wait(60s);
	r.out = bw.out();
	r.err = bw.err();
	r.summaries = json_lines(r.out, "summary");
	return r;
}

std::vector<std::string> capsh_keeping(const std::vector<std::string> &keep)
{
	std::string bounding = sh_out("capsh --print | sed -n 's/^Bounding set =//p'");
	std::istringstream names(bounding);
	std::string drop;
	for (std::string cap; std::getline(names, cap, ',');) {
		bool kept = false;
		for (const std::string &k : keep)
			kept |= k == cap;
		if (!kept)
			drop += (drop.empty() ? "" : ",") + cap;
	}
	// capsh runs the rest with /bin/bash: -c "exec \"$0\" \"$@\"" execs
	// bpfwatch with its arguments, which follow.
	return {sh_out("command -v capsh"), "--drop=" + drop, "--", "-c", "exec \"$0\" \"$@\""};
}

} // namespace bpfwatch::e2e

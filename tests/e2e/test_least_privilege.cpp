// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Least privilege, proven: the core case under capsh with every capability
// dropped but the documented set (CAP_BPF, CAP_PERFMON; CAP_NET_ADMIN for
// the egress counters, CAP_SYS_PTRACE for the log pipes) counts exactly;
// without CAP_BPF or CAP_PERFMON bpfwatch stops with one line naming it;
// without either optional one it runs degraded and names it. And bpfwatch
// creates no file (its umask would make any 0600).
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "e2e/core_case.h"
#include "support/skip.h"

namespace bpfwatch::e2e {
namespace {

using nlohmann::json;

const std::vector<std::string> kDocumented = {"cap_bpf", "cap_perfmon", "cap_net_admin", "cap_sys_ptrace"};

std::vector<std::string> without(const std::string &cap)
{
	std::vector<std::string> keep;
	for (const std::string &c : kDocumented)
		if (c != cap)
			keep.push_back(c);
	return keep;
}

int lines(const std::string &s)
{
	return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

std::string upper(std::string s)
{
	std::transform(s.begin(), s.end(), s.begin(), ::toupper);
	return s;
}

class LeastPrivilege : public ::testing::Test {
protected:
	void SetUp() override
	{
		require_docker();
		if (IsSkipped() || HasFailure())
			return;
		if (sh("command -v capsh >/dev/null").status != 0)
			BW_SKIP_OR_FAIL("capsh (libcap2-bin) is not installed");
		core_ = std::make_unique<CoreCase>("caps-" + std::to_string(getpid()));
	}

	std::unique_ptr<CoreCase> core_;
};

TEST_F(LeastPrivilege, TheDocumentedSetCountsExactly)
{
	if (!core_)
		return;
	auto r = core_->watch_one_round(capsh_keeping(kDocumented));
	ASSERT_EQ(r.status, 0) << r.err;
	ASSERT_EQ(r.summaries.size(), 1u) << r.out << r.err;
	const json &s = r.summaries[0];
	EXPECT_EQ(s["log"]["bytes"], CoreCase::kLogBytes) << s.dump();
	EXPECT_EQ(s["stdio"]["bytes"], CoreCase::kStdioBytes);
	EXPECT_EQ(s["by_kind"]["file"]["bytes"], CoreCase::kFileBytes);
	EXPECT_EQ(s["degraded"], json::array()) << "nothing is missing with the documented set";
}

TEST_F(LeastPrivilege, WithoutARequiredOneItStopsNamingIt)
{
	if (!core_)
		return;
	for (const std::string cap : {"cap_bpf", "cap_perfmon"}) {
		auto r = core_->watch_one_round(capsh_keeping(without(cap)));
		EXPECT_EQ(r.status, 2) << cap << ": " << r.err;
		EXPECT_EQ(lines(r.err), 1) << cap << ": " << r.err;
		EXPECT_NE(r.err.find("missing " + upper(cap)), std::string::npos) << r.err;
	}
}

TEST_F(LeastPrivilege, WithoutAnOptionalOneItRunsDegradedAndNamesIt)
{
	if (!core_)
		return;
	struct {
		std::string cap, program;
		bool log_known;
	} cases[] = {{"cap_net_admin", "bw_egress", true}, {"cap_sys_ptrace", "log pipes", false}};
	for (const auto &c : cases) {
		auto r = core_->watch_one_round(capsh_keeping(without(c.cap)));
		ASSERT_EQ(r.status, 0) << c.cap << ": " << r.err;
		ASSERT_EQ(r.summaries.size(), 1u) << r.out << r.err;
		const json &s = r.summaries[0];
		EXPECT_EQ(s["stdio"]["bytes"], CoreCase::kStdioBytes) << c.cap << ": " << s.dump();
		EXPECT_EQ(s["by_kind"]["file"]["bytes"], CoreCase::kFileBytes) << c.cap;
		if (c.log_known)
			EXPECT_EQ(s["log"]["bytes"], CoreCase::kLogBytes) << c.cap;
		else
			EXPECT_TRUE(s["log"].is_null()) << c.cap << ": " << s.dump();
		ASSERT_EQ(s["degraded"].size(), 1u) << c.cap << ": " << s["degraded"].dump();
		EXPECT_EQ(s["degraded"][0]["program"], c.program);
		EXPECT_NE(s["degraded"][0]["why"].get<std::string>().find(upper(c.cap)), std::string::npos)
			<< s["degraded"][0].dump();
		EXPECT_NE(r.err.find("running without " + c.program), std::string::npos) << r.err;
	}
}

// Every file-creating call bpfwatch makes, traced: there is none (a
// runtime's CLI it runs, podman, makes its own lock files: not bpfwatch's).
// Its umask (0077) is the guard for any it makes one day: 0600 at most.
TEST_F(LeastPrivilege, ItCreatesNoFileAndItsUmaskMakesAny0600)
{
	if (!core_)
		return;
	if (sh("command -v strace >/dev/null").status != 0)
		BW_SKIP_OR_FAIL("strace is not installed (scripts/install-deps installs it)");
	std::string trace = "/tmp/bpfwatch-creates-" + std::to_string(getpid());
	auto r = core_->watch_one_round({"strace", "-f", "-qq", "-o", trace, "-e", "status=successful", "-e",
					 "trace=execve,clone,clone3,fork,vfork,creat,open,openat,mkdir,mkdirat,mknod,mknodat,bind,link,linkat,"
					 "symlink,symlinkat,rename,renameat,renameat2,umask"});
	ASSERT_EQ(r.status, 0) << r.err;
	ASSERT_EQ(r.summaries.size(), 1u);
	std::string calls = sh_out("cat " + trace);
	sh("rm -f " + trace);
	auto pid_of = [](const std::string &line) { return line.substr(0, line.find(' ')); };
	// Processes that exec'd another program, and every thread or child
	// they made.
	std::set<std::string> others;
	std::map<std::string, std::string> parent;
	std::istringstream tree(calls);
	for (std::string line; std::getline(tree, line);) {
		if (line.find(" execve(") != std::string::npos && line.find(BPFWATCH_BINARY) == std::string::npos)
			others.insert(pid_of(line));
		if (line.find(" clone") != std::string::npos || line.find("fork(") != std::string::npos)
			parent[line.substr(line.rfind("= ") + 2)] = pid_of(line);
	}
	for (std::size_t before = 0; before != others.size();) { // bounded: grows or stops
		before = others.size();
		for (const auto &[child, p] : parent)
			if (others.count(p))
				others.insert(child);
	}
	std::string created;
	std::istringstream in(calls);
	for (std::string line; std::getline(in, line);) {
		if (others.count(pid_of(line)))
			continue;
		bool creates = line.find("O_CREAT") != std::string::npos || line.find(" creat(") != std::string::npos ||
			       line.find(" mkdir") != std::string::npos || line.find(" mknod") != std::string::npos ||
			       line.find("link") != std::string::npos || line.find(" rename") != std::string::npos ||
			       line.find("sun_path") != std::string::npos; // a unix socket bound to a path
		if (creates)
			created += line + "\n";
	}
	EXPECT_EQ(created, "") << "bpfwatch created these";
	EXPECT_NE(calls.find("umask(077)"), std::string::npos) << "set first thing in main()";
}

} // namespace
} // namespace bpfwatch::e2e

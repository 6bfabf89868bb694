// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "support/scratch_netns.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace bpfwatch::test {
namespace {

std::string run(const std::string &cmd)
{
	std::unique_ptr<FILE, int (*)(FILE *)> p(popen((cmd + " 2>&1").c_str(), "r"), pclose);
	if (!p)
		throw std::runtime_error("popen " + cmd);
	std::string out;
	std::array<char, 512> buf;
	while (fgets(buf.data(), buf.size(), p.get()))
		out += buf.data();
	if (pclose(p.release()) != 0)
		throw std::runtime_error(cmd + " failed: " + out);
	return out;
}

} // namespace

ScratchNetns::ScratchNetns(std::string name, const std::vector<std::string> &setup) : name_(std::move(name))
{
	run("ip netns add " + name_);
	try {
		run("ip -n " + name_ + " link set lo up");
		for (const std::string &cmd : setup)
			exec(cmd);
	} catch (...) {
		std::system(("ip netns del " + name_ + " >/dev/null 2>&1").c_str());
		throw;
	}
}

ScratchNetns::~ScratchNetns()
{
	std::system(("ip netns del " + name_ + " >/dev/null 2>&1").c_str());
}

std::string ScratchNetns::exec(const std::string &cmd) const
{
	return run("ip netns exec " + name_ + " " + cmd);
}

int ScratchNetns::enter()
{
	// thread-self: the namespace this thread is in, which is what it
	// must return to (another thread may be elsewhere).
	int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int fd = open(("/var/run/netns/" + name_).c_str(), O_RDONLY | O_CLOEXEC);
	bool ok = home >= 0 && fd >= 0 && setns(fd, CLONE_NEWNET) == 0;
	if (fd >= 0)
		close(fd);
	if (!ok) {
		if (home >= 0)
			close(home);
		throw std::runtime_error("setns into " + name_);
	}
	return home;
}

void ScratchNetns::leave(int home)
{
	// A thread left in the scratch namespace would run every later test
	// there: better to stop.
	if (setns(home, CLONE_NEWNET) != 0)
		std::abort();
	close(home);
}

} // namespace bpfwatch::test

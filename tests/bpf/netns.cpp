// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "bpf/netns.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "support/test_ranges.h"

namespace bpfwatch::test {

std::string sh(const std::string &cmd)
{
	std::unique_ptr<FILE, int (*)(FILE *)> p(popen((cmd + " 2>&1").c_str(), "r"), pclose);
	if (!p)
		throw std::runtime_error("popen " + cmd);
	std::string out;
	std::array<char, 512> buf;
	while (fgets(buf.data(), buf.size(), p.get()))
		out += buf.data();
	int status = pclose(p.release());
	if (status != 0)
		throw std::runtime_error(cmd + " failed: " + out);
	return out;
}

TestNetns::TestNetns()
{
	int pid = getpid();
	std::string tag = "bwd" + std::to_string(pid % 100000);
	name_ = tag;
	host_if_ = tag + "h";
	ns_if_ = tag + "n";
	// A /30 that overlaps nothing the host has, so it neither shadows the
	// host's networks nor is routed by someone else (another test's
	// namespace): .1 is the host's end, .2 the namespace's.
	RangeChoice net = choose_free_ranges({30}, pid);
	if (!net.ok())
		throw std::runtime_error(net.error);
	host_addr_ = nth_address(net.nets[0], 1);
	peer_addr_ = nth_address(net.nets[0], 2);

	// This thread's namespace: the one to come back to (and to build in).
	home_fd_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	try {
		sh("ip netns add " + name_);
		sh("ip link add " + host_if_ + " type veth peer name " + ns_if_);
		sh("ip link set " + ns_if_ + " netns " + name_);
		sh("ip addr add " + host_addr_ + "/30 dev " + host_if_);
		sh("ip link set " + host_if_ + " up");
		sh("ip -n " + name_ + " addr add " + peer_addr_ + "/30 dev " + ns_if_);
		sh("ip -n " + name_ + " link set " + ns_if_ + " up");
		sh("ip -n " + name_ + " link set lo up");
		// The rule for test traffic: the peer is reached directly through
		// our own veth. That is the whole check; it needs no default
		// route (a host without one routes a connected /30 all the same).
		std::string route = sh("ip -4 route get " + peer_addr_);
		if (route.find("dev " + host_if_ + " ") == std::string::npos || route.find(" via ") != std::string::npos)
			throw std::runtime_error("route to " + peer_addr_ + " does not leave through " +
						 host_if_ + ": " + route);
	} catch (...) {
		cleanup();
		throw;
	}
}

TestNetns::~TestNetns()
{
	cleanup();
}

void TestNetns::cleanup()
{
	// Deleting the namespace deletes its veth end and with it the pair;
	// the explicit link delete covers a pair that never moved.
	std::system(("ip link del " + host_if_ + " >/dev/null 2>&1").c_str());
	std::system(("ip netns del " + name_ + " >/dev/null 2>&1").c_str());
	if (home_fd_ >= 0)
		close(home_fd_);
	home_fd_ = -1;
}

std::uint32_t TestNetns::peer_addr_be() const
{
	in_addr a{};
	inet_pton(AF_INET, peer_addr_.c_str(), &a);
	return a.s_addr;
}

void TestNetns::drop_all_from_peer()
{
	// netem where the kernel has it (CONFIG_NET_SCH_NETEM); else the
	// namespace's own netfilter OUTPUT chain: the same packets, dropped.
	try {
		sh("ip netns exec " + name_ + " tc qdisc add dev " + ns_if_ + " root netem loss 100%");
		dropper_ = "tc qdisc del dev " + ns_if_ + " root";
	} catch (const std::exception &) {
		sh("ip netns exec " + name_ + " iptables -A OUTPUT -o " + ns_if_ + " -j DROP");
		dropper_ = "iptables -D OUTPUT -o " + ns_if_ + " -j DROP";
	}
}

void TestNetns::stop_dropping()
{
	if (!dropper_.empty())
		sh("ip netns exec " + name_ + " " + dropper_);
	dropper_.clear();
}

void TestNetns::enter()
{
	int fd = open(("/var/run/netns/" + name_).c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
		if (fd >= 0)
			close(fd);
		throw std::runtime_error("setns " + name_);
	}
	close(fd);
}

void TestNetns::leave()
{
	setns(home_fd_, CLONE_NEWNET);
}

} // namespace bpfwatch::test

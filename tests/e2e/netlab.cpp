// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "e2e/netlab.h"

#include <unistd.h>

#include "support/test_ranges.h"

namespace bpfwatch::e2e {

RemoteHost::RemoteHost()
{
	std::string tag = std::to_string(getpid() % 100000);
	router_ = "bwrouter-" + tag;
	sink_ = "bwsink-" + tag;
	host_if_ = "bwh" + tag;
	count_file_ = "/tmp/bpfwatch-sink-" + tag + ".count";
	// Ranges the host (this thread's namespace) has no address or route
	// in, so neither its gateway nor its own addresses get shadowed.
	test::RangeChoice nets = test::choose_free_ranges({30, 24}, getpid());
	if (!nets.ok()) {
		error_ = "no network for the remote host: " + nets.error;
		return;
	}
	const std::string host_addr = test::nth_address(nets.nets[0], 1) + "/30";
	const std::string router_addr = test::nth_address(nets.nets[0], 2);
	const std::string remote_net = nets.nets[1].to_string();
	const std::string gateway = test::nth_address(nets.nets[1], 1);
	address_ = test::nth_address(nets.nets[1], 7);
	const std::string r0 = "bwr0", r1 = "bwr1", s0 = "bws0";
	std::string script =
		"set -e; ip netns add " + router_ + "; ip netns add " + sink_ +
		"; ip link add " + host_if_ + " type veth peer name " + r0 + " netns " + router_ +
		"; ip link add " + r1 + " netns " + router_ + " type veth peer name " + s0 + " netns " + sink_ +
		"; ip addr add " + host_addr + " dev " + host_if_ + "; ip link set " + host_if_ + " up" +
		"; ip -n " + router_ + " addr add " + router_addr + "/30 dev " + r0 + "; ip -n " + router_ +
		" addr add " + gateway + "/24 dev " + r1 + "; ip -n " + router_ + " link set " + r0 +
		" up; ip -n " + router_ + " link set " + r1 + " up; ip -n " + router_ +
		" link set lo up; ip netns exec " + router_ + " sysctl -qw net.ipv4.ip_forward=1" +
		"; ip -n " + sink_ + " addr add " + address_ + "/24 dev " + s0 + "; ip -n " + sink_ + " link set " +
		s0 + " up; ip -n " + sink_ + " link set lo up; ip -n " + sink_ + " route add default via " + gateway +
		"; ip route add " + remote_net + " via " + router_addr + " dev " + host_if_;
	CommandResult r = sh(script + " 2>&1");
	if (r.status != 0) {
		error_ = "could not build the remote host namespaces: " + r.out;
		return;
	}
	// The rule for test traffic: only to what the test made. The route to
	// the sink must leave through our own veth, via our router.
	std::string route = sh_out("ip route get " + address_);
	if (route.find("via " + router_addr + " dev " + host_if_) == std::string::npos) {
		error_ = "route to " + address_ + " does not go through " + host_if_ + ": " + route;
		return;
	}
	ok_ = true;
}

RemoteHost::~RemoteHost()
{
	listener_.reset();
	// Deleting our veth takes the route through it along.
	sh("ip link del " + host_if_ + " 2>/dev/null; ip netns del " + sink_ + " 2>/dev/null; ip netns del " + router_ +
	   " 2>/dev/null; rm -f " + count_file_);
}

std::string RemoteHost::exec(const std::string &ns, const std::string &cmd)
{
	return sh_out("ip netns exec " + ns + " " + cmd + " 2>&1");
}

void RemoteHost::listen(int port)
{
	unlink(count_file_.c_str());
	// -ll -e: a child per connection reads it to its end; the server stays.
	listener_ = std::make_unique<Subprocess>(std::vector<std::string>{
		"/usr/sbin/ip", "netns", "exec", sink_, "busybox", "nc", "-ll", "-p", std::to_string(port), "-e",
		"/bin/sh", "-c", "wc -c >> " + count_file_});
	eventually([&] { return listening(port); }, std::chrono::seconds(5));
}

void RemoteHost::stop_listening()
{
	listener_.reset(); // kills the server and its children: their group
}

bool RemoteHost::listening(int port)
{
	return exec(sink_, "ss -Hltn").find(":" + std::to_string(port) + " ") != std::string::npos;
}

std::string RemoteHost::received(std::chrono::milliseconds timeout)
{
	std::string got;
	eventually([&] { return !(got = sh_out("head -n 1 " + count_file_ + " 2>/dev/null")).empty(); }, timeout);
	return got;
}

void RemoteHost::drop(int port, bool on)
{
	exec(sink_, std::string("iptables ") + (on ? "-A" : "-D") + " INPUT -p tcp --dport " + std::to_string(port) +
			    " -j DROP");
}

} // namespace bpfwatch::e2e

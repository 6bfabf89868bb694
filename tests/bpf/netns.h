// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A test-made network namespace behind a veth pair: the only non-loopback
// place kernel tests send to. Its /30 is one the host has no address or
// route in (support/test_ranges.h; the pid picks where the search starts),
// and the route to the peer is checked to leave through our own veth
// before the first packet. All of it (and any qdisc) goes away in the
// destructor, on failure too.
#pragma once

#include <cstdint>
#include <string>

namespace bpfwatch::test {

// Runs a shell command; returns its stdout, or throws with its output
// when it exits non-zero.
std::string sh(const std::string &cmd);

class TestNetns {
public:
	TestNetns();
	~TestNetns();
	TestNetns(const TestNetns &) = delete;
	TestNetns &operator=(const TestNetns &) = delete;

	const std::string &name() const { return name_; }
	const std::string &host_if() const { return host_if_; }
	const std::string &ns_if() const { return ns_if_; }
	// Addresses, dotted and in network byte order.
	const std::string &host_addr() const { return host_addr_; }
	const std::string &peer_addr() const { return peer_addr_; }
	std::uint32_t peer_addr_be() const;

	// Drops all the peer sends out of its veth (its ACKs): netem loss
	// 100%, or a netfilter DROP in the namespace where the kernel has no
	// netem. Deleting the namespace removes either.
	void drop_all_from_peer();
	void stop_dropping();

	// Runs @fn with the calling thread inside the namespace (sockets made
	// there stay there), then returns the thread to its own.
	template <typename F>
	auto inside(F fn)
	{
		enter();
		struct Leave {
			TestNetns *ns;
			~Leave() { ns->leave(); }
		} leave{this};
		return fn();
	}

private:
	void enter();
	void leave();
	void cleanup();

	std::string name_, host_if_, ns_if_, host_addr_, peer_addr_;
	int home_fd_ = -1;
	std::string dropper_; // the command that undoes the drop
};

} // namespace bpfwatch::test

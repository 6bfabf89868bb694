// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A DeliveryProbe on the real kernel, a sandbox cgroup to run workloads
// in, and the peers they talk to: TCP sinks served by a thread of the test
// (in the test's own, unwatched cgroup), batons to step a workload that
// must stay alive between reads.
#pragma once

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "bpf/sandbox.h"
#include "probe/delivery_probe.h"
#include "support/skip.h"

namespace bpfwatch::test {

// A one-way, one-byte signal that works across fork().
class Baton {
public:
	Baton();
	~Baton();
	Baton(const Baton &) = delete;
	Baton &operator=(const Baton &) = delete;
	void post();
	bool wait(int timeout_ms = 5000);

private:
	int fds_[2] = {-1, -1};
};

// A TCP listener on @addr_be (port chosen by the kernel) in the calling
// thread's network namespace, served by its own thread until destroyed.
class TcpSink {
public:
	enum class Mode {
		read_all,     // read every connection to EOF, then close it
		reset_at_once // accept, then close with SO_LINGER 0: an RST
	};
	explicit TcpSink(std::uint32_t addr_be = htonl(INADDR_LOOPBACK), Mode mode = Mode::read_all);
	~TcpSink();
	TcpSink(const TcpSink &) = delete;
	TcpSink &operator=(const TcpSink &) = delete;

	std::uint16_t port() const { return port_; }
	std::uint64_t bytes_read() const { return bytes_.load(); }
	// Waits (bounded) until the sink has read @n bytes in all.
	bool wait_read(std::uint64_t n, int timeout_ms = 5000) const;

private:
	void serve();

	int fd_ = -1;
	std::uint16_t port_ = 0;
	Mode mode_;
	std::atomic<bool> stop_{false};
	std::atomic<std::uint64_t> bytes_{0};
	std::thread thread_;
};

// Workload steps (raw syscalls, run in the sandbox child).
int connect_v4(std::uint32_t addr_be, std::uint16_t port); // fd, or -errno
int send_bytes(int fd, std::size_t n);                      // 0 or WL_CHECK line
bool wait_all_acked(int fd, int timeout_ms = 5000);          // SIOCOUTQ == 0
// A port on 127.0.0.1 nobody listens on.
std::uint16_t closed_port_v4();

Endpoint tcp_peer(std::uint32_t addr_be, std::uint16_t port);
Endpoint udp_peer(std::uint32_t addr_be, std::uint16_t port);

class DeliveryTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		if (geteuid() != 0)
			BW_SKIP_OR_FAIL("needs root: loading BPF programs requires CAP_BPF+CAP_PERFMON");
		box_ = std::make_unique<CgroupSandbox>("bpfwatch-dtest");
	}

	void attach(DeliveryConfig config) { probe_ = std::make_unique<DeliveryProbe>(config); }
	// The sandbox watched, its egress counted.
	void attach_to_box()
	{
		attach({.cgroup_ids = {box_->id()}, .egress = {{box_->id(), box_->path()}}});
	}

	void run(const std::function<int()> &workload) { ASSERT_EQ(box_->run(workload), 0); }
	// Runs the workload in the sandbox while the test goes on.
	std::future<int> start(std::function<int()> workload)
	{
		return std::async(std::launch::async, [this, w = std::move(workload)] { return box_->run(w); });
	}

	PeerMap box_peers()
	{
		snap_ = probe_->read();
		return snap_.cgroups[box_->id()];
	}
	PeerDelivery at(const Endpoint &peer) { return box_peers()[peer]; }

	std::unique_ptr<CgroupSandbox> box_;
	// Declared after box_: detached before the cgroup is removed.
	std::unique_ptr<DeliveryProbe> probe_;
	DeliverySnapshot snap_;
};

} // namespace bpfwatch::test

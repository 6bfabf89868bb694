// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Degrade, never crash: when the kernel refuses one optional program (the
// verifier, a missing tracepoint), the rest load and attach, the core
// write counters stay exact, and the probe says which program is out and
// what it does not count. The refusals are the kernel's own, asked for
// through BPFWATCH_FAIL_PROGRAM (probe/forced_failure.h): nothing mocked.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "bpf/delivery_fixture.h"
#include "bpf/sandbox.h"
#include "bpf/workload.h"
#include "probe/delivery_probe.h"
#include "probe/probe.h"
#include "support/skip.h"
#include "util/error.h"

namespace bpfwatch::test {
namespace {

const std::uint32_t kLo = htonl(INADDR_LOOPBACK);
constexpr std::size_t kBytes = 100000;

// BPFWATCH_FAIL_PROGRAM for the length of a test.
class FailPrograms {
public:
	explicit FailPrograms(const std::string &list) { setenv("BPFWATCH_FAIL_PROGRAM", list.c_str(), 1); }
	~FailPrograms() { unsetenv("BPFWATCH_FAIL_PROGRAM"); }
};

const Degraded *find(const DegradedList &list, const std::string &program)
{
	for (const Degraded &d : list)
		if (d.program == program)
			return &d;
	return nullptr;
}

class ProbeDegrade : public ::testing::Test {
protected:
	void SetUp() override
	{
		if (geteuid() != 0)
			BW_SKIP_OR_FAIL("needs root: loading BPF programs requires CAP_BPF+CAP_PERFMON");
		box_ = std::make_unique<CgroupSandbox>("bpfwatch-degrade");
	}

	// Both probes on the sandbox, egress counted there.
	void attach()
	{
		ProbeConfig pc;
		pc.cgroup_ids = {box_->id()};
		probe_ = std::make_unique<Probe>(pc, [](const Record &) {});
		delivery_ = std::make_unique<DeliveryProbe>(DeliveryConfig{.cgroup_ids = {box_->id()}});
		delivery_->attach_egress({box_->id(), box_->path()});
	}

	// A TCP connection that sends kBytes to a sink on loopback, and 10
	// writes of 100 bytes into a pipe.
	void run_workload()
	{
		TcpSink sink;
		int p[2];
		ASSERT_EQ(pipe(p), 0);
		ASSERT_EQ(box_->run([&] {
			char buf[100] = {};
			for (int i = 0; i < 10; i++)
				WL_CHECK(write(p[1], buf, sizeof(buf)) == 100);
			int fd = connect_v4(kLo, sink.port());
			WL_CHECK(fd >= 0);
			WL_CHECK(send_bytes(fd, kBytes) == 0);
			WL_CHECK(wait_all_acked(fd));
			close(fd);
			return 0;
		}),
			  0);
		close(p[0]);
		close(p[1]);
		ASSERT_TRUE(sink.wait_read(kBytes));
		peer_ = tcp_peer(kLo, sink.port());
	}

	// The core counters: exact, whatever else is out.
	void expect_exact_writes()
	{
		probe_->drain();
		KernelTotals t = probe_->read_totals()[box_->id()];
		EXPECT_EQ(t.kind(FdKind::pipe).bytes, 1000u);
		EXPECT_EQ(t.kind(FdKind::pipe).calls, 10u);
		EXPECT_EQ(t.kind(FdKind::socket).bytes, kBytes);
		EXPECT_EQ(t.kind(FdKind::socket).errors, 0u);
		EXPECT_EQ(t.lost_records, 0u);
	}

	PeerDelivery delivered() { return delivery_->read().cgroups[box_->id()][peer_]; }

	std::unique_ptr<CgroupSandbox> box_;
	std::unique_ptr<Probe> probe_;
	std::unique_ptr<DeliveryProbe> delivery_;
	Endpoint peer_;
};

TEST_F(ProbeDegrade, EverythingLoadsWhenNothingIsRefused)
{
	attach();
	run_workload();
	expect_exact_writes();
	EXPECT_TRUE(probe_->degraded().empty());
	EXPECT_TRUE(delivery_->degraded().empty());
	PeerDelivery d = delivered();
	EXPECT_EQ(d.tcp.connects, 1u);
	EXPECT_EQ(d.tcp.bytes_acked, kBytes);
	EXPECT_GT(d.egress.packets, 0u);
}

TEST_F(ProbeDegrade, AVerifierRejectionLeavesOneProgramOutWithItsLog)
{
	FailPrograms fail("bw_retransmit:load");
	attach();
	run_workload();
	expect_exact_writes();
	ASSERT_EQ(delivery_->degraded().size(), 1u);
	const Degraded &d = delivery_->degraded()[0];
	EXPECT_EQ(d.program, "bw_retransmit");
	EXPECT_EQ(d.not_covered, "TCP retransmits");
	EXPECT_NE(d.why.find("verifier rejected"), std::string::npos) << d.why;
	EXPECT_FALSE(d.verifier_log.empty()) << "the verifier's own words, for -v";
	// The rest of the delivery probe runs: every other number is there.
	PeerDelivery p = delivered();
	EXPECT_EQ(p.tcp.connects, 1u);
	EXPECT_EQ(p.tcp.bytes_acked, kBytes);
	EXPECT_GT(p.egress.packets, 0u);
}

TEST_F(ProbeDegrade, MissingTracepointsLeaveTheirProgramsOutOfBothProbes)
{
	FailPrograms fail("bw_set_state,bw_cgroup_mkdir");
	attach();
	run_workload();
	expect_exact_writes();
	const Degraded *state = find(delivery_->degraded(), "bw_set_state");
	ASSERT_NE(state, nullptr);
	EXPECT_NE(state->why.find("refused to attach it (raw_tp/inet_sock_set_state)"), std::string::npos)
		<< state->why;
	EXPECT_NE(find(delivery_->degraded(), "bw_cgroup_mkdir"), nullptr);
	const Degraded *mkdir = find(probe_->degraded(), "bw_cgroup_mkdir");
	ASSERT_NE(mkdir, nullptr);
	EXPECT_EQ(probe_->degraded().size(), 1u);
	// Connects are what bw_set_state counted; the rest still counts.
	PeerDelivery p = delivered();
	EXPECT_EQ(p.tcp.connects, 0u);
	EXPECT_GT(p.egress.packets, 0u);
}

TEST_F(ProbeDegrade, EgressThatCannotAttachIsAnErrorForThatCgroupOnly)
{
	attach();
	FailPrograms fail("bw_egress");
	CgroupSandbox other("bpfwatch-degrade-other");
	try {
		delivery_->attach_egress({other.id(), other.path()});
		FAIL() << "the kernel took a link to a directory that is no cgroup";
	} catch (const Error &e) {
		EXPECT_NE(std::string(e.what()).find("attach cgroup_skb/egress"), std::string::npos) << e.what();
	}
	run_workload();
	expect_exact_writes();
	EXPECT_GT(delivered().egress.packets, 0u) << "the first link stays";
}

TEST_F(ProbeDegrade, TheSyscallProgramIsNotOptional)
{
	for (const char *how : {"bw_sys_exit", "bw_sys_exit:load"}) {
		FailPrograms fail(how);
		ProbeConfig pc;
		pc.cgroup_ids = {box_->id()};
		try {
			Probe p(pc, [](const Record &) {});
			ADD_FAILURE() << how << ": loaded";
		} catch (const Error &e) {
			std::string what = e.what();
			EXPECT_TRUE(what.find("sys_exit") != std::string::npos ||
				    what.find("verifier rejected bpfwatch's syscall programs") != std::string::npos)
				<< how << ": " << what;
		}
	}
}

} // namespace
} // namespace bpfwatch::test

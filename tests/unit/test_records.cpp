// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A ring-buffer record is a batch of bw_rec records with optional parts
// (bpf/bpfwatch.h): built here byte by byte, as bpf/batch.bpf.h stages them.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "probe/records.h"

namespace bpfwatch {
namespace {

class Batch {
public:
	Batch &rec(std::uint64_t cgid, std::int32_t ret, FdKind kind, std::uint8_t parts, std::uint8_t views = 0,
		   std::uint8_t syscall = BW_SYS_WRITE)
	{
		bw_rec r{cgid, ret, syscall, static_cast<std::uint8_t>(kind), parts, views};
		put(&r, sizeof(r));
		return *this;
	}
	Batch &trace(std::uint64_t ts, std::uint32_t pid, std::uint32_t fd, const char *comm)
	{
		bw_rec_trace t{};
		t.ts_ns = ts;
		t.pid = t.tid = pid;
		t.fd = fd;
		std::strncpy(t.comm, comm, sizeof(t.comm));
		put(&t, sizeof(t));
		return *this;
	}
	Batch &dest(std::uint16_t port)
	{
		bw_dest d{};
		d.family = AF_INET;
		d.proto = IPPROTO_UDP;
		d.port = port;
		put(&d, sizeof(d));
		return *this;
	}
	std::vector<Record> decode(std::size_t cut = 0) const
	{
		std::vector<Record> out;
		decode_batch(bytes_.data(), bytes_.size() - cut, [&](const Record &e) { out.push_back(e); });
		return out;
	}

private:
	void put(const void *p, std::size_t n)
	{
		auto *b = static_cast<const std::uint8_t *>(p);
		bytes_.insert(bytes_.end(), b, b + n);
	}
	std::vector<std::uint8_t> bytes_;
};

TEST(Records, DefaultRecordsAreSixteenBytesEach)
{
	auto ev = Batch().rec(7, 100, FdKind::pipe, 0).rec(7, -EPIPE, FdKind::pipe, 0).decode();
	ASSERT_EQ(ev.size(), 2u);
	EXPECT_EQ(ev[0].cgroup_id, 7u);
	EXPECT_EQ(ev[0].ret, 100);
	EXPECT_EQ(ev[1].ret, -EPIPE);
	EXPECT_EQ(ev[1].ts_ns, 0u);
	EXPECT_EQ(ev[1].endpoint.family, 0);
}

TEST(Records, ViewsSayWhetherTheCallWasOnStdioOrTheLog)
{
	auto ev = Batch()
			  .rec(7, 1, FdKind::pipe, 0, BW_VIEW_STDIO | BW_VIEW_LOG)
			  .rec(7, 2, FdKind::pipe, 0, BW_VIEW_LOG)
			  .rec(7, 3, FdKind::file, 0, BW_VIEW_STDIO)
			  .rec(7, 4, FdKind::file, 0, 0)
			  .decode();
	ASSERT_EQ(ev.size(), 4u);
	EXPECT_TRUE(ev[0].stdio && ev[0].log);
	EXPECT_TRUE(!ev[1].stdio && ev[1].log);
	EXPECT_TRUE(ev[2].stdio && !ev[2].log);
	EXPECT_TRUE(!ev[3].stdio && !ev[3].log);
}

TEST(Records, SameDestRefersToTheLastDestinationOfTheBatch)
{
	auto ev = Batch()
			  .rec(1, 10, FdKind::socket, BW_REC_DEST)
			  .dest(514)
			  .rec(1, 11, FdKind::socket, BW_REC_SAME_DEST)
			  .rec(1, 12, FdKind::pipe, 0)
			  .rec(1, 13, FdKind::socket, BW_REC_DEST)
			  .dest(53)
			  .rec(1, 14, FdKind::socket, BW_REC_SAME_DEST)
			  .decode();
	ASSERT_EQ(ev.size(), 5u);
	EXPECT_EQ(ev[0].endpoint.port, 514);
	EXPECT_EQ(ev[1].endpoint.port, 514);
	EXPECT_EQ(ev[2].endpoint.port, 0) << "not a socket record";
	EXPECT_EQ(ev[3].endpoint.port, 53);
	EXPECT_EQ(ev[4].endpoint.port, 53);
	EXPECT_EQ(ev[4].ret, 14);
}

// A router reads from one peer and sends to another: the batch keeps the
// last peer per direction, and so does the decoder.
TEST(Records, SameDestIsKeptPerDirection)
{
	auto ev = Batch()
			  .rec(1, 100, FdKind::socket, BW_REC_DEST, 0, BW_SYS_RECVFROM)
			  .dest(2375)
			  .rec(1, 100, FdKind::socket, BW_REC_DEST, 0, BW_SYS_SENDTO)
			  .dest(514)
			  .rec(1, 50, FdKind::socket, BW_REC_SAME_DEST, 0, BW_SYS_READ)
			  .rec(1, 50, FdKind::socket, BW_REC_SAME_DEST, 0, BW_SYS_WRITE)
			  .decode();
	ASSERT_EQ(ev.size(), 4u);
	EXPECT_TRUE(ev[0].input());
	EXPECT_EQ(ev[0].syscall, Syscall::recvfrom);
	EXPECT_FALSE(ev[1].input());
	EXPECT_EQ(ev[2].syscall, Syscall::read);
	EXPECT_EQ(ev[2].endpoint.port, 2375) << "the last source, not the last destination";
	EXPECT_EQ(ev[3].endpoint.port, 514);
}

TEST(Records, AnUnknownSyscallStopsTheWalk)
{
	auto ev = Batch().rec(1, 10, FdKind::pipe, 0).rec(1, 11, FdKind::pipe, 0, 0, BW_SYS_MAX).decode();
	ASSERT_EQ(ev.size(), 1u);
}

TEST(Records, TracePartComesBeforeTheDestination)
{
	auto ev = Batch()
			  .rec(2, 64, FdKind::socket, BW_REC_TRACE | BW_REC_DEST)
			  .trace(123456789, 4242, 9, "log-router")
			  .dest(5514)
			  .rec(2, 65, FdKind::socket, BW_REC_TRACE | BW_REC_SAME_DEST)
			  .trace(123456790, 4242, 9, "log-router")
			  .decode();
	ASSERT_EQ(ev.size(), 2u);
	EXPECT_EQ(ev[0].ts_ns, 123456789u);
	EXPECT_EQ(ev[0].pid, 4242u);
	EXPECT_EQ(ev[0].fd, 9u);
	EXPECT_STREQ(ev[0].comm.data(), "log-router");
	EXPECT_EQ(ev[0].endpoint.port, 5514);
	EXPECT_EQ(ev[1].ts_ns, 123456790u);
	EXPECT_EQ(ev[1].endpoint.port, 5514);
}

TEST(Records, ARecordCutShortIsNotDecoded)
{
	Batch b;
	b.rec(3, 1, FdKind::file, 0).rec(3, 2, FdKind::socket, BW_REC_DEST).dest(80);
	EXPECT_EQ(b.decode().size(), 2u);
	EXPECT_EQ(b.decode(1).size(), 1u) << "the second record's destination is incomplete";
	EXPECT_EQ(b.decode(sizeof(bw_dest) + sizeof(bw_rec)).size(), 1u);
}

// One decoding of the kernel's bw_dest, one spelling of the endpoint.
TEST(Endpoint, NamesFamiliesAndNormalisesMappedIpv4)
{
	bw_dest d{};
	d.family = AF_INET6;
	d.proto = IPPROTO_TCP;
	d.port = 514;
	std::uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100, 7};
	std::memcpy(d.addr, mapped, 16);
	Endpoint m = endpoint_of(d);
	EXPECT_EQ(m.family_name(), "ipv4");
	EXPECT_EQ(m.to_string(), "tcp 198.51.100.7:514");

	std::memcpy(d.addr, &in6addr_loopback, 16);
	EXPECT_EQ(endpoint_of(d).to_string(), "tcp [::1]:514");

	bw_dest u{};
	u.family = AF_UNIX;
	u.sotype = SOCK_DGRAM;
	std::strcpy(u.path, "/dev/log");
	EXPECT_EQ(endpoint_of(u).to_string(), "unix/dgram /dev/log");
	bw_dest abstract{};
	abstract.family = AF_UNIX;
	abstract.sotype = SOCK_STREAM;
	std::memcpy(abstract.path, "\0journal", 8);
	EXPECT_EQ(endpoint_of(abstract).address(), "@journal");

	bw_dest unconnected{};
	unconnected.family = AF_INET;
	unconnected.proto = IPPROTO_UDP;
	EXPECT_EQ(endpoint_of(unconnected).to_string(), "udp (unconnected)");
	EXPECT_EQ(endpoint_of(bw_dest{}).to_string(), "not a socket");
}

} // namespace
} // namespace bpfwatch

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
	Batch &rec(std::uint64_t cgid, std::int32_t ret, std::uint8_t kind, std::uint8_t parts)
	{
		bw_rec r{cgid, ret, BW_SYS_WRITE, kind, parts, 0};
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
	std::vector<bw_event> decode(std::size_t cut = 0) const
	{
		std::vector<bw_event> out;
		decode_batch(bytes_.data(), bytes_.size() - cut, [&](const bw_event &e) { out.push_back(e); });
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
	auto ev = Batch().rec(7, 100, BW_KIND_PIPE, 0).rec(7, -EPIPE, BW_KIND_PIPE, 0).decode();
	ASSERT_EQ(ev.size(), 2u);
	EXPECT_EQ(ev[0].cgroup_id, 7u);
	EXPECT_EQ(ev[0].ret, 100);
	EXPECT_EQ(ev[1].ret, -EPIPE);
	EXPECT_EQ(ev[1].ts_ns, 0u);
	EXPECT_EQ(ev[1].dest.family, 0);
}

TEST(Records, SameDestRefersToTheLastDestinationOfTheBatch)
{
	auto ev = Batch()
			  .rec(1, 10, BW_KIND_SOCKET, BW_REC_DEST)
			  .dest(514)
			  .rec(1, 11, BW_KIND_SOCKET, BW_REC_SAME_DEST)
			  .rec(1, 12, BW_KIND_PIPE, 0)
			  .rec(1, 13, BW_KIND_SOCKET, BW_REC_DEST)
			  .dest(53)
			  .rec(1, 14, BW_KIND_SOCKET, BW_REC_SAME_DEST)
			  .decode();
	ASSERT_EQ(ev.size(), 5u);
	EXPECT_EQ(ev[0].dest.port, 514);
	EXPECT_EQ(ev[1].dest.port, 514);
	EXPECT_EQ(ev[2].dest.port, 0) << "not a socket record";
	EXPECT_EQ(ev[3].dest.port, 53);
	EXPECT_EQ(ev[4].dest.port, 53);
	EXPECT_EQ(ev[4].ret, 14);
}

TEST(Records, TracePartComesBeforeTheDestination)
{
	auto ev = Batch()
			  .rec(2, 64, BW_KIND_SOCKET, BW_REC_TRACE | BW_REC_DEST)
			  .trace(123456789, 4242, 9, "log-router")
			  .dest(5514)
			  .rec(2, 65, BW_KIND_SOCKET, BW_REC_TRACE | BW_REC_SAME_DEST)
			  .trace(123456790, 4242, 9, "log-router")
			  .decode();
	ASSERT_EQ(ev.size(), 2u);
	EXPECT_EQ(ev[0].ts_ns, 123456789u);
	EXPECT_EQ(ev[0].pid, 4242u);
	EXPECT_EQ(ev[0].fd, 9u);
	EXPECT_STREQ(ev[0].comm, "log-router");
	EXPECT_EQ(ev[0].dest.port, 5514);
	EXPECT_EQ(ev[1].ts_ns, 123456790u);
	EXPECT_EQ(ev[1].dest.port, 5514);
}

TEST(Records, ARecordCutShortIsNotDecoded)
{
	Batch b;
	b.rec(3, 1, BW_KIND_FILE, 0).rec(3, 2, BW_KIND_SOCKET, BW_REC_DEST).dest(80);
	EXPECT_EQ(b.decode().size(), 2u);
	EXPECT_EQ(b.decode(1).size(), 1u) << "the second record's destination is incomplete";
	EXPECT_EQ(b.decode(sizeof(bw_dest) + sizeof(bw_rec)).size(), 1u);
}

} // namespace
} // namespace bpfwatch

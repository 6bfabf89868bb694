// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <gtest/gtest.h>

#include <cerrno>

#include "output/format.h"
#include "output/text.h"

namespace bpfwatch {
namespace {

TEST(OutputFormat, BytesAreIec)
{
	EXPECT_EQ(format_bytes(0), "0 B");
	EXPECT_EQ(format_bytes(512), "512 B");
	EXPECT_EQ(format_bytes(1023), "1023 B");
	EXPECT_EQ(format_bytes(1024), "1.0 KiB");
	EXPECT_EQ(format_bytes(12288), "12.0 KiB");
	EXPECT_EQ(format_bytes(3565158), "3.4 MiB");
	EXPECT_EQ(format_bytes(5ull << 30), "5.0 GiB");
	EXPECT_EQ(format_bytes(UINT64_MAX), "16.0 EiB");
}

TEST(OutputFormat, BytesNeverPrint1024OfAUnit)
{
	// 1048575 B is 1023.999 KiB: rounding must carry into the next unit.
	EXPECT_EQ(format_bytes(1048575), "1.0 MiB");
	EXPECT_EQ(format_bytes(1048524), "1023.9 KiB");
}

TEST(OutputFormat, ErrnoNames)
{
	EXPECT_EQ(errno_name(ECONNREFUSED), "ECONNREFUSED");
	EXPECT_EQ(errno_name(EPIPE), "EPIPE");
	EXPECT_EQ(errno_name(-EAGAIN), "EAGAIN"); // a raw syscall return
	EXPECT_EQ(errno_name(0), "errno 0");
	EXPECT_EQ(errno_name(4095), "errno 4095");
}

TEST(OutputFormat, SyscallNames)
{
	const char *expected[] = {"write",   "writev",  "pwrite64", "pwritev",    "pwritev2", "sendto",
				  "sendmsg", "sendmmsg", "sendfile64", "read",      "readv",    "pread64",
				  "preadv",  "preadv2",  "recvfrom",   "recvmsg",   "recvmmsg"};
	static_assert(std::size(expected) == kSyscalls);
	for (unsigned i = 0; i < kSyscalls; i++)
		EXPECT_EQ(syscall_name(static_cast<Syscall>(i)), expected[i]);
	EXPECT_EQ(syscall_name(static_cast<Syscall>(kSyscalls)), "syscall 17");
}

TEST(OutputFormat, KindNames)
{
	EXPECT_EQ(kind_name(FdKind::pipe), "pipe");
	EXPECT_EQ(kind_name(FdKind::file), "file");
	EXPECT_EQ(kind_name(FdKind::socket), "socket");
	EXPECT_EQ(kind_name(FdKind::tty), "tty");
	EXPECT_EQ(kind_name(FdKind::other), "other");
	EXPECT_EQ(kind_name(static_cast<FdKind>(7)), "kind 7");
}

TEST(OutputFormat, Durations)
{
	EXPECT_EQ(format_duration(0), "0.0s");
	EXPECT_EQ(format_duration(5), "5.0s");
	EXPECT_EQ(format_duration(12.34), "12.3s");
	EXPECT_EQ(format_duration(59.96), "1m00s");
	EXPECT_EQ(format_duration(123), "2m03s");
	EXPECT_EQ(format_duration(3723), "1h02m03s");
	EXPECT_EQ(format_duration(-1), "0.0s");
}

TEST(OutputText, WidthCountsCodePoints)
{
	EXPECT_EQ(display_width("abc"), 3u);
	EXPECT_EQ(display_width("a…b—c"), 5u);
}

TEST(OutputText, PrintableReplacesControlAndHighBytes)
{
	EXPECT_EQ(printable("nginx"), "nginx");
	EXPECT_EQ(printable(std::string("a\x1b[31m\xff\xc3\xa9", 9)), "a?[31m???");
}

TEST(OutputText, NamesKeepTheirDistinguishingEnd)
{
	EXPECT_EQ(fit_name("log-router", 10), "log-router");
	EXPECT_EQ(fit_name("a-very-long-container-name", 10), "a-very-lo…");
	EXPECT_EQ(fit_name("/system.slice/cron.service", 12), "…ron.service");
	EXPECT_EQ(display_width(fit_name("/system.slice/cron.service", 12)), 12u);
}

TEST(OutputText, WrapBreaksBetweenItems)
{
	auto lines = wrap_items({"ECONNREFUSED 3", "EPIPE 2", "EAGAIN 1"}, ", ", 30, "  errors: ", "          ");
	ASSERT_EQ(lines.size(), 2u);
	EXPECT_EQ(lines[0], "  errors: ECONNREFUSED 3,");
	EXPECT_EQ(lines[1], "          EPIPE 2, EAGAIN 1");

	lines = wrap("one two three", 9, "", "  ");
	ASSERT_EQ(lines.size(), 2u);
	EXPECT_EQ(lines[0], "one two");
	EXPECT_EQ(lines[1], "  three");
}

} // namespace
} // namespace bpfwatch

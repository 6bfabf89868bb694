// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Each write-family syscall on each kind of fd, counted exactly.
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <string>

#include "bpf/probe_fixture.h"
#include "bpf/workload.h"
#include "targets/log_files.h"

namespace bpfwatch::test {
namespace {

class FdKinds : public ProbeTest {};

TEST_F(FdKinds, PipeWritesAreCountedWithTheirExactBytes)
{
	attach_to_box();
	int p[2];
	ASSERT_EQ(pipe(p), 0);
	run([&] {
		char buf[100] = {};
		for (int i = 0; i < 10; i++)
			WL_CHECK(write(p[1], buf, sizeof(buf)) == 100);
		return 0;
	});
	close(p[0]);
	close(p[1]);

	Counts c = kind(FdKind::pipe);
	EXPECT_EQ(c.bytes, 1000u);
	EXPECT_EQ(c.calls, 10u);
	EXPECT_EQ(c.errors, 0u);
	auto events = box_events();
	ASSERT_EQ(events.size(), 10u);
	for (const Record &e : events) {
		EXPECT_EQ(e.syscall, Syscall::write);
		EXPECT_EQ(e.kind, FdKind::pipe);
		EXPECT_EQ(e.ret, 100);
		EXPECT_EQ(e.ts_ns, 0u) << "no trace fields unless asked for";
		EXPECT_EQ(e.pid, 0u);
		EXPECT_EQ(e.endpoint.family, 0);
	}
	EXPECT_EQ(totals_of(box_->id()).lost_records, 0u);
}

// A named pipe is a pipe too: the kind comes from the inode (S_IFIFO),
// not from how the fd was made.
TEST_F(FdKinds, NamedFifoWritesAreCountedAsPipe)
{
	attach_to_box();
	char dir[] = "/tmp/bpfwatch-fifo-XXXXXX";
	ASSERT_TRUE(mkdtemp(dir));
	std::string path = std::string(dir) + "/fifo";
	ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
	int fd = open(path.c_str(), O_RDWR); // its own reader: never blocks
	ASSERT_GE(fd, 0);
	run([&] {
		char buf[300] = {};
		for (int i = 0; i < 4; i++)
			WL_CHECK(write(fd, buf, 100 + 50 * i) == 100 + 50 * i);
		return 0;
	});
	close(fd);
	unlink(path.c_str());
	rmdir(dir);

	Counts c = kind(FdKind::pipe);
	EXPECT_EQ(c.bytes, 100u + 150 + 200 + 250);
	EXPECT_EQ(c.calls, 4u);
	EXPECT_EQ(c.errors, 0u);
	EXPECT_EQ(kind(FdKind::file).calls, 0u) << "a FIFO on a filesystem is not a file";
	auto events = box_events();
	ASSERT_EQ(events.size(), 4u);
	for (int i = 0; i < 4; i++) {
		EXPECT_EQ(events[i].syscall, Syscall::write) << i;
		EXPECT_EQ(events[i].kind, FdKind::pipe) << i;
		EXPECT_EQ(events[i].ret, 100 + 50 * i) << i;
	}
}

// Bytes are what the call returned, not what it asked for: a non-blocking
// pipe takes only what fits, then refuses with EAGAIN.
TEST_F(FdKinds, ShortWriteCountsTheBytesReturnedAndEagainIsAnError)
{
	attach_to_box();
	int p[2];
	ASSERT_EQ(pipe2(p, O_NONBLOCK), 0);
	ASSERT_EQ(fcntl(p[1], F_SETPIPE_SZ, 65536), 65536);
	ASSERT_EQ(fcntl(p[1], F_GETPIPE_SZ), 65536);
	// The child's return values, seen by the parent.
	void *shared = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(shared, MAP_FAILED);
	auto *rets = static_cast<long *>(shared);
	rets[0] = rets[1] = rets[2] = 0;
	run([&] {
		static char buf[100000];
		ssize_t first = write(p[1], buf, sizeof(buf));
		rets[0] = first;
		ssize_t second = write(p[1], buf, sizeof(buf));
		rets[1] = second;
		rets[2] = errno;
		WL_CHECK(first > 0 && first < 100000);
		WL_CHECK(second == -1 && errno == EAGAIN);
		return 0;
	});
	long written = rets[0];
	EXPECT_EQ(rets[1], -1);
	EXPECT_EQ(rets[2], EAGAIN);
	munmap(shared, 4096);
	close(p[0]);
	close(p[1]);
	ASSERT_GT(written, 0);
	ASSERT_LT(written, 100000) << "the write must have been short";
	EXPECT_EQ(written, 65536) << "a non-blocking pipe takes what its buffer holds";

	Counts c = kind(FdKind::pipe);
	EXPECT_EQ(c.bytes, std::uint64_t(written)) << "the return value, not the 100000 asked for";
	EXPECT_NE(c.bytes, 100000u);
	EXPECT_EQ(c.calls, 1u);
	EXPECT_EQ(c.errors, 1u);
	auto events = box_events();
	ASSERT_EQ(events.size(), 2u);
	EXPECT_EQ(events[0].syscall, Syscall::write);
	EXPECT_EQ(events[0].ret, written);
	EXPECT_EQ(events[1].syscall, Syscall::write);
	EXPECT_EQ(events[1].kind, FdKind::pipe);
	EXPECT_EQ(events[1].ret, -EAGAIN);
}

TEST_F(FdKinds, StdoutAndStderrAreCountedApartWhateverTheirKind)
{
	ProbeConfig trace;
	trace.trace = true; // records name their fd
	attach({box_->id()}, trace);
	int p[2];
	ASSERT_EQ(pipe(p), 0);
	int null_fd = open("/dev/null", O_WRONLY);
	ASSERT_GE(null_fd, 0);
	run([&] {
		char buf[40] = {};
		WL_CHECK(dup2(p[1], 1) == 1);       // stdout: a pipe, as in a container
		WL_CHECK(dup2(null_fd, 2) == 2);    // stderr: a character device
		WL_CHECK(write(1, buf, 40) == 40);
		WL_CHECK(write(1, buf, 30) == 30);
		WL_CHECK(write(2, buf, 5) == 5);
		WL_CHECK(write(p[1], buf, 7) == 7); // the same pipe, not as stdout
		return 0;
	});
	close(p[0]);
	close(p[1]);
	close(null_fd);

	KernelTotals t = totals_of(box_->id());
	EXPECT_EQ(t.stdio.bytes, 75u);
	EXPECT_EQ(t.stdio.calls, 3u);
	EXPECT_EQ(t.kind(FdKind::pipe).bytes, 77u);
	EXPECT_EQ(t.kind(FdKind::tty).bytes, 5u);
	auto events = box_events();
	ASSERT_EQ(events.size(), 4u);
	EXPECT_EQ(events[0].fd, 1u);
	EXPECT_EQ(events[2].fd, 2u);
	EXPECT_EQ(events[3].fd, static_cast<std::uint32_t>(p[1]));
}

TEST_F(FdKinds, TheContainersLogIsThePipeNotTheFdNumber)
{
	int log[2], other[2];
	ASSERT_EQ(pipe(log), 0);
	ASSERT_EQ(pipe(other), 0);
	struct stat st {};
	ASSERT_EQ(fstat(log[1], &st), 0);
	ProbeConfig cfg;
	cfg.log_pipes = {LogPipes{FileId{st.st_ino, kernel_dev(st.st_dev)}, FileId{}}};
	attach({box_->id()}, cfg);
	run([&] {
		char buf[40] = {};
		WL_CHECK(dup2(log[1], 1) == 1);
		WL_CHECK(dup2(other[1], 2) == 2);
		WL_CHECK(write(1, buf, 40) == 40);      // the log, as stdout
		WL_CHECK(write(log[1], buf, 7) == 7);   // the log, by another fd
		WL_CHECK(write(2, buf, 5) == 5);        // stderr, but another pipe
		WL_CHECK(write(other[1], buf, 3) == 3); // neither
		return 0;
	});
	for (int fd : {log[0], log[1], other[0], other[1]})
		close(fd);
	KernelTotals t = totals_of(box_->id());
	EXPECT_EQ(t.log.bytes, 47u);
	EXPECT_EQ(t.log.calls, 2u);
	EXPECT_EQ(t.stdio.bytes, 45u);
	EXPECT_EQ(t.kind(FdKind::pipe).bytes, 55u);
	// Each record says which views its call counted in, the same way.
	std::vector<std::pair<bool, bool>> views; // (log, stdio) by call
	for (const Record &e : box_events())
		views.emplace_back(e.log, e.stdio);
	std::vector<std::pair<bool, bool>> want = {{true, true}, {true, false}, {false, true}, {false, false}};
	EXPECT_EQ(views, want);
}

TEST_F(FdKinds, FileWritesCountEverySyscallOfTheFamily)
{
	attach_to_box();
	char path[] = "/tmp/bpfwatch-test-XXXXXX";
	int fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	unlink(path);
	run([&] {
		char a[10] = {}, b[20] = {}, c[30] = {}, big[50] = {};
		iovec iov[3] = {{a, sizeof(a)}, {b, sizeof(b)}, {c, sizeof(c)}};
		WL_CHECK(writev(fd, iov, 3) == 60);
		WL_CHECK(pwrite(fd, big, sizeof(big), 100) == 50);
		WL_CHECK(pwritev(fd, iov, 2, 200) == 30);
		WL_CHECK(pwritev2(fd, iov, 3, 300, 0) == 60);
		WL_CHECK(write(fd, a, 7) == 7);
		return 0;
	});
	close(fd);

	Counts c = kind(FdKind::file);
	EXPECT_EQ(c.bytes, 60u + 50 + 30 + 60 + 7);
	EXPECT_EQ(c.calls, 5u);
	auto events = box_events();
	ASSERT_EQ(events.size(), 5u);
	EXPECT_EQ(events[0].syscall, Syscall::writev);
	EXPECT_EQ(events[1].syscall, Syscall::pwrite64);
	EXPECT_EQ(events[2].syscall, Syscall::pwritev);
	EXPECT_EQ(events[3].syscall, Syscall::pwritev2);
	EXPECT_EQ(events[4].syscall, Syscall::write);
	EXPECT_EQ(events[4].ret, 7);
	EXPECT_EQ(kind(FdKind::pipe).calls, 0u);
}

TEST_F(FdKinds, CharacterDeviceIsTty)
{
	attach_to_box();
	int fd = open("/dev/null", O_WRONLY);
	ASSERT_GE(fd, 0);
	run([&] {
		char buf[64] = {};
		for (int i = 0; i < 3; i++)
			WL_CHECK(write(fd, buf, sizeof(buf)) == 64);
		return 0;
	});
	close(fd);
	EXPECT_EQ(kind(FdKind::tty).bytes, 192u);
	EXPECT_EQ(kind(FdKind::tty).calls, 3u);
}

TEST_F(FdKinds, EventfdIsOther)
{
	attach_to_box();
	run([&] {
		int fd = eventfd(0, 0);
		std::uint64_t one = 1;
		WL_CHECK(fd >= 0);
		WL_CHECK(write(fd, &one, sizeof(one)) == 8);
		return 0;
	});
	EXPECT_EQ(kind(FdKind::other).bytes, 8u);
	EXPECT_EQ(kind(FdKind::other).calls, 1u);
}

TEST_F(FdKinds, FailedWritesAreCountedByErrno)
{
	attach_to_box();
	int p[2];
	ASSERT_EQ(pipe(p), 0);
	close(p[0]); // no reader: writes fail with EPIPE
	run([&] {
		signal(SIGPIPE, SIG_IGN);
		char buf[10] = {};
		WL_CHECK(write(p[1], buf, sizeof(buf)) == -1 && errno == EPIPE);
		WL_CHECK(write(p[1], buf, sizeof(buf)) == -1 && errno == EPIPE);
		WL_CHECK(write(-1, buf, sizeof(buf)) == -1 && errno == EBADF);
		return 0;
	});
	close(p[1]);

	EXPECT_EQ(kind(FdKind::pipe).errors, 2u);
	EXPECT_EQ(kind(FdKind::pipe).bytes, 0u);
	EXPECT_EQ(kind(FdKind::pipe).calls, 0u);
	EXPECT_EQ(kind(FdKind::other).errors, 1u) << "a bad fd has no kind";
	auto events = box_events();
	ASSERT_EQ(events.size(), 3u);
	EXPECT_EQ(events[0].ret, -EPIPE);
	EXPECT_EQ(events[1].ret, -EPIPE);
	EXPECT_EQ(events[2].ret, -EBADF);
}

} // namespace
} // namespace bpfwatch::test

namespace bpfwatch::test {
namespace {

// Kernels before 6.17 get the helper-based fd table read; it must count
// exactly the same, so it runs here too.
TEST_F(FdKinds, HelperBasedFdLookupCountsTheSame)
{
	ProbeConfig cfg;
	cfg.allow_direct_fd_load = false;
	attach({box_->id()}, cfg);
	EXPECT_FALSE(probe_->direct_fd_load());
	int p[2];
	ASSERT_EQ(pipe(p), 0);
	UdpSink sink = udp_sink_v4();
	run([&] {
		char buf[64] = {};
		int s = socket(AF_INET, SOCK_DGRAM, 0);
		sockaddr_in to = loopback_v4(sink.port);
		WL_CHECK(write(p[1], buf, 64) == 64);
		WL_CHECK(sendto(s, buf, 32, 0, (sockaddr *)&to, sizeof(to)) == 32);
		return 0;
	});
	close(p[0]);
	close(p[1]);
	close(sink.fd);
	EXPECT_EQ(kind(FdKind::pipe).bytes, 64u);
	EXPECT_EQ(kind(FdKind::socket).bytes, 32u);
	auto events = box_events();
	ASSERT_EQ(events.size(), 2u);
	EXPECT_EQ(events[1].endpoint.port, sink.port);
}

} // namespace
} // namespace bpfwatch::test

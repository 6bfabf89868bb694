// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The cgroup filter, and what happens when the ring overflows.
#include <fcntl.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bpf/probe_fixture.h"
#include "bpf/workload.h"

namespace bpfwatch::test {
namespace {

class Filter : public ProbeTest {};

int write_devnull(int times, int bytes)
{
	static char buf[4096];
	int fd = open("/dev/null", O_WRONLY);
	WL_CHECK(fd >= 0);
	for (int i = 0; i < times; i++)
		WL_CHECK(write(fd, buf, bytes) == bytes);
	return 0;
}

TEST_F(Filter, AProcessInAnUnwatchedCgroupIsNotCounted)
{
	CgroupSandbox other("bpfwatch-test-other");
	attach_to_box();
	ASSERT_EQ(other.run([] { return write_devnull(5, 10); }), 0);
	run([] { return write_devnull(3, 10); });

	EXPECT_EQ(totals_of(other.id()).kind(FdKind::tty).calls, 0u);
	EXPECT_TRUE(events_of(other.id()).empty());
	EXPECT_EQ(kind(FdKind::tty).calls, 3u);
	EXPECT_EQ(probe_->read_totals().size(), 1u) << "only the watched cgroup has totals";
}

TEST_F(Filter, SeveralWatchedCgroupsAreCountedApart)
{
	CgroupSandbox other("bpfwatch-test-other");
	CgroupSandbox unwatched("bpfwatch-test-unwatched");
	attach({box_->id(), other.id()});
	run([] { return write_devnull(3, 10); });
	ASSERT_EQ(other.run([] { return write_devnull(4, 20); }), 0);
	ASSERT_EQ(unwatched.run([] { return write_devnull(5, 30); }), 0);

	EXPECT_EQ(kind(FdKind::tty).bytes, 30u);
	EXPECT_EQ(totals_of(other.id()).kind(FdKind::tty).bytes, 80u);
	EXPECT_EQ(totals_of(unwatched.id()).kind(FdKind::tty).calls, 0u);
	EXPECT_EQ(box_events().size(), 3u);
	EXPECT_EQ(events_of(other.id()).size(), 4u);
}

TEST_F(Filter, WatchingEverythingKeysTotalsByCgroup)
{
	attach({});
	run([] { return write_devnull(6, 11); });
	EXPECT_EQ(kind(FdKind::tty).bytes, 66u);
	EXPECT_EQ(kind(FdKind::tty).calls, 6u);
	EXPECT_EQ(box_events().size(), 6u);
}

TEST_F(Filter, AFullRingLosesRecordsButNeverTotals)
{
	ProbeConfig small;
	small.ring_bytes = 4096; // room for one 2 KiB batch of up to 128 records
	attach({box_->id()}, small);
	const int n = 2000;
	run([] { return write_devnull(n, 1); }); // nobody drains meanwhile

	KernelTotals t = totals_of(box_->id());
	auto records = box_events().size();
	EXPECT_EQ(t.kind(FdKind::tty).calls, std::uint64_t(n)) << "totals are exact";
	EXPECT_GT(t.lost_records, 0u);
	EXPECT_EQ(records + t.lost_records, std::uint64_t(n)) << "every record is delivered or counted lost";
}

// Records are charged as lost to the cgroup that made them, in each of
// the three filter modes (one id, a set, everything).
TEST_F(Filter, AFullRingChargesLostRecordsToTheirOwnCgroup)
{
	for (int mode = 0; mode < 3; mode++) {
		SCOPED_TRACE(mode);
		CgroupSandbox other("bpfwatch-test-other");
		ProbeConfig small;
		small.ring_bytes = 4096;
		std::vector<std::uint64_t> ids = mode == 0 ? std::vector<std::uint64_t>{box_->id()}
					       : mode == 1 ? std::vector<std::uint64_t>{box_->id(), other.id()}
							   : std::vector<std::uint64_t>{};
		events_.clear();
		attach(ids, small);
		run([] { return write_devnull(1500, 1); });
		ASSERT_EQ(other.run([] { return write_devnull(700, 1); }), 0);
		probe_->drain();
		for (auto [id, n] : {std::pair{box_->id(), 1500}, std::pair{other.id(), 700}}) {
			if (mode == 0 && id == other.id())
				continue;
			KernelTotals t = totals_of(id);
			EXPECT_EQ(t.kind(FdKind::tty).calls, std::uint64_t(n));
			EXPECT_GT(t.lost_records, 0u);
			EXPECT_EQ(events_of(id).size() + t.lost_records, std::uint64_t(n));
		}
		probe_.reset();
	}
}

// Watching everything, the totals hash is sized from a memory budget but
// never below 64 entries (Probe::load). Once it is full, a new cgroup's
// calls are not counted, and the stats say so: never silently.
TEST_F(Filter, AFullTotalsMapIsCountedNotSilent)
{
	ProbeConfig tiny;
	tiny.totals_budget_bytes = 1; // below one entry: the floor
	tiny.totals_min_entries = 64;
	const std::size_t map_entries = 64;
	attach({}, tiny);
	EXPECT_EQ(probe_->read_stats().totals_full, 0u);
	const int n = 80; // more cgroups than the map holds, the host's aside
	std::vector<std::unique_ptr<CgroupSandbox>> boxes;
	for (int i = 0; i < n; i++) {
		boxes.push_back(std::make_unique<CgroupSandbox>("bpfwatch-test-full-" + std::to_string(i)));
		ASSERT_EQ(boxes.back()->run([] { return write_devnull(1, 7); }), 0) << "cgroup " << i;
	}
	probe_->drain();
	auto totals = probe_->read_totals();
	EXPECT_LE(totals.size(), map_entries);
	std::size_t counted = 0;
	for (const auto &box : boxes)
		counted += totals.count(box->id());
	EXPECT_LT(counted, std::size_t(n)) << "the map cannot hold every cgroup";
	EXPECT_GE(probe_->read_stats().totals_full, std::uint64_t(n) - counted)
		<< "each cgroup left out failed at least its one write";
	EXPECT_GT(probe_->read_stats().totals_full, 0u);
	probe_.reset(); // detach before the cgroups go
	boxes.clear();
}

// Every CPU stages its own records; all of them arrive, exactly once.
TEST_F(Filter, RecordsStagedOnEveryCpuArriveOnce)
{
	attach_to_box();
	int ncpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
	std::uint64_t want = 0;
	for (int cpu = 0; cpu < ncpus && cpu < 16; cpu++) {
		int n = 3 * (cpu + 1);
		ASSERT_EQ(box_->run([n] { return write_devnull(n, 5); }, cpu), 0) << "cpu " << cpu;
		want += n;
	}
	EXPECT_EQ(box_events().size(), want);
	EXPECT_EQ(kind(FdKind::tty).calls, want);
	EXPECT_EQ(totals_of(box_->id()).lost_records, 0u);
}

// User space flushes a CPU's batch with an IPI that can land while the
// syscall program is staging a record there: nothing may be lost or
// delivered twice.
TEST_F(Filter, FlushingWhileRecordsAreStagedLosesAndRepeatsNothing)
{
	attach_to_box();
	const int n = 200000;
	std::atomic<bool> done{false};
	std::thread reader([&] {
		while (!done.load())
			probe_->drain(); // one flush per CPU with records, back to back
	});
	int cpu = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)) - 1;
	ASSERT_EQ(box_->run([] { return write_devnull(n, 3); }, cpu), 0);
	done = true;
	reader.join();
	auto events = box_events();
	EXPECT_EQ(events.size(), std::uint64_t(n));
	EXPECT_EQ(kind(FdKind::tty).calls, std::uint64_t(n));
	EXPECT_EQ(totals_of(box_->id()).lost_records, 0u);
	std::uint64_t bytes = 0;
	for (const Record &e : events)
		bytes += e.ret;
	EXPECT_EQ(bytes, 3u * n);
}

// A CPU that writes flat out keeps the ring waking the reader; a CPU that
// wrote once keeps its record staged until it is flushed. The reader must
// still collect it within a poll period or so, not when the busy CPU stops
// (the busy writer here runs up to 4 s; the quiet record must come in 1).
TEST_F(Filter, AQuietCpusRecordArrivesWhileAnotherCpuKeepsTheRingBusy)
{
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		BW_SKIP_OR_FAIL("needs two online CPUs");
	CgroupSandbox quiet("bpfwatch-test-quiet");
	// Counted, not kept: the busy writer makes millions of records.
	std::map<std::uint64_t, std::uint64_t> records;
	ProbeConfig config;
	config.cgroup_ids = {box_->id(), quiet.id()};
	if (compat_run())
		config.build = ProbeBuild::Compat;
	probe_ = std::make_unique<Probe>(config, [&](const Record &r) { records[r.cgroup_id]++; });
	const std::string stop = "/tmp/bpfwatch-test-busy-stop-" + std::to_string(getpid());
	unlink(stop.c_str());
	auto busy = std::async(std::launch::async, [&] {
		return box_->run(
			[&] {
				static char buf[8];
				int fd = open("/dev/null", O_WRONLY);
				WL_CHECK(fd >= 0);
				timespec t0{}, t{};
				clock_gettime(CLOCK_MONOTONIC, &t0);
				for (long i = 0;; i++) {
					WL_CHECK(write(fd, buf, sizeof(buf)) == sizeof(buf));
					if (i % 4096)
						continue;
					clock_gettime(CLOCK_MONOTONIC, &t);
					if (access(stop.c_str(), F_OK) == 0 || t.tv_sec - t0.tv_sec >= 4)
						return 0;
				}
			},
			0);
	});
	auto from = [&](std::uint64_t id) { return records[id]; };
	// The busy CPU is streaming: polls return its records, one after another.
	for (int i = 0; i < 100 && from(box_->id()) < 100000; i++)
		probe_->poll(100);
	ASSERT_GE(from(box_->id()), 100000u) << "the busy writer never got going";

	ASSERT_EQ(quiet.run([] { return write_devnull(1, 7); }, 1), 0);
	auto wrote = std::chrono::steady_clock::now();
	int polls = 0, woken = 0;
	while (from(quiet.id()) == 0 && std::chrono::steady_clock::now() - wrote < std::chrono::seconds(1)) {
		woken += probe_->poll(100) > 0;
		polls++;
	}
	auto waited = std::chrono::steady_clock::now() - wrote;
	bool busy_still_running = busy.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
	{ std::ofstream(stop) << "stop"; }
	EXPECT_EQ(busy.get(), 0);
	unlink(stop.c_str());
	EXPECT_EQ(from(quiet.id()), 1u) << "after " << polls << " polls, " << woken << " of them with records";
	EXPECT_TRUE(busy_still_running) << "the ring was not busy all along";
	EXPECT_LT(waited, std::chrono::seconds(1));
	probe_.reset();
}

TEST_F(Filter, TraceFieldsOnlyWhenAskedFor)
{
	ProbeConfig cfg;
	cfg.trace = true;
	attach({box_->id()}, cfg);
	timespec before{}, after{};
	clock_gettime(CLOCK_MONOTONIC, &before);
	int p[2];
	ASSERT_EQ(pipe(p), 0);
	run([&] {
		pid_t self = getpid();
		WL_CHECK(prctl(PR_SET_NAME, "bw-trace-test") == 0);
		WL_CHECK(write_devnull(1, 1) == 0);
		return write(p[1], &self, sizeof(self)) == sizeof(self) ? 0 : 1;
	});
	clock_gettime(CLOCK_MONOTONIC, &after);
	pid_t writer = 0;
	ASSERT_EQ(read(p[0], &writer, sizeof(writer)), static_cast<ssize_t>(sizeof(writer)));
	close(p[0]);
	close(p[1]);
	auto events = box_events();
	ASSERT_EQ(events.size(), 2u) << "the write to /dev/null and the pid to the pipe";
	auto ns = [](timespec t) { return std::uint64_t(t.tv_sec) * 1000000000 + t.tv_nsec; };
	EXPECT_GE(events[0].ts_ns, ns(before));
	EXPECT_LE(events[0].ts_ns, ns(after));
	EXPECT_EQ(events[0].pid, static_cast<std::uint32_t>(writer));
	EXPECT_EQ(events[0].tid, static_cast<std::uint32_t>(writer));
	EXPECT_STREQ(events[0].comm.data(), "bw-trace-test");
	EXPECT_GT(events[0].fd, 2u);
}

} // namespace
} // namespace bpfwatch::test

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Small pieces every part of the harness uses: a stop flag set by signals,
// clocks, an owned fd, and file helpers that fail with context.
#pragma once

#include <sched.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace bench {

// Thrown between batches once SIGINT/SIGTERM/SIGHUP arrived: every owner
// (subprocess, probe, cgroup) cleans up while the stack unwinds.
struct Interrupted : std::runtime_error {
	Interrupted() : std::runtime_error("interrupted") {}
};

extern std::atomic<bool> g_stop;
void install_stop_signals();
inline void check_stop()
{
	if (g_stop.load(std::memory_order_relaxed))
		throw Interrupted();
}

// "what: strerror(err)" as an exception.
[[noreturn]] void fail_errno(const std::string &what, int err);

std::uint64_t now_ns(); // CLOCK_MONOTONIC
void sleep_ms(int ms);

class Fd {
public:
	explicit Fd(int fd = -1) : fd_(fd) {}
	~Fd();
	Fd(Fd &&o) noexcept : fd_(o.release()) {}
	Fd &operator=(Fd &&o) noexcept;
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	int get() const { return fd_; }
	int release()
	{
		int fd = fd_;
		fd_ = -1;
		return fd;
	}

private:
	int fd_;
};

std::string read_file(const std::string &path); // "" when unreadable
void write_file(const std::string &path, const std::string &text); // throws
// Value of "key:" in a "key: value" file (fdinfo, status); "" when absent.
std::string field_of(const std::string &text, const std::string &key);
// Total on-CPU time of a thread or process, in ns (schedstat, else stat).
std::uint64_t cpu_ns_of_task(pid_t pid, pid_t tid);
std::uint64_t cpu_ns_of_process(pid_t pid);
// This thread's CPU time in ns.
std::uint64_t thread_cpu_ns();
// Pin the calling thread to @cpu; -1 allows every CPU.
void pin_thread(int cpu);
// The writer's CPU is its own: tools (consumer threads, bpftrace, bpfwatch,
// perf) get every other CPU, so that they never preempt the writer or
// context-switch on its CPU. -1: no pinning anywhere.
void set_writer_cpu(int cpu);
cpu_set_t tool_cpus();
void pin_tool_thread();

} // namespace bench

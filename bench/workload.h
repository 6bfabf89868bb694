// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The timed calls, 64 bytes each. The output side: write() to /dev/null,
// write() to a pipe, and UDP sendto() on loopback; the input side: read()
// from /dev/zero, read() from a pipe and recv() of a UDP datagram on
// loopback (the pipe filled and the datagrams sent before each chunk,
// untimed, so a read never blocks). A batch times only the calls, in
// chunks; the pipe and the receiving socket are emptied between chunks,
// untimed, so a call never blocks and never drops:
//  - the pipe is 1 MiB (F_SETPIPE_SZ) and a batch fits in it, so every
//    write finds room and no reader is woken — like a container's stdout
//    whose shim keeps up;
//  - the receiver's SO_RCVBUF holds many chunks of 256 datagrams;
//    datagrams that still did not arrive are counted (udp_dropped) and
//    reported, not hidden.
// Each batch is timed twice: wall clock, and the writer thread's CPU time
// (CLOCK_THREAD_CPUTIME_ID), which leaves out preemption by other tasks and
// the hypervisor's steal time but keeps everything the call does in the
// kernel (softirq time is charged to the task on this kernel config).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>

#include "util.h"

namespace bench {

enum class Workload { DevNull = 0, Pipe = 1, Udp = 2, ReadZero = 3, ReadPipe = 4, RecvUdp = 5 };
constexpr int kWorkloads = 6;
constexpr std::array<Workload, kWorkloads> kAllWorkloads{Workload::DevNull,  Workload::Pipe,     Workload::Udp,
							  Workload::ReadZero, Workload::ReadPipe, Workload::RecvUdp};
const char *workload_key(Workload w);   // "write_devnull", ...
const char *workload_title(Workload w); // "write /dev/null", ...
Workload workload_from_key(const std::string &key); // "devnull", "pipe", "udp"; throws

struct Timing {
	double wall = 0, cpu = 0; // ns per call
};

class Workloads {
public:
	explicit Workloads(int batch);
	Workloads(const Workloads &) = delete;
	Workloads &operator=(const Workloads &) = delete;

	// Times @n calls (0: the batch size) in chunks and empties the sink
	// after each. @around(false) runs right before each timed chunk,
	// @around(true) right after it, before the sink is emptied.
	Timing run(Workload w, int n = 0, const std::function<void(bool)> &around = {});
	// One call of each, untimed: lets a tool under test see the writer.
	void poke();
	int batch(Workload w) const;
	int chunk(Workload w) const;
	std::uint64_t udp_dropped() const { return udp_dropped_; }
	std::uint64_t failures() const { return failures_; }
	int devnull_fd() const { return devnull_.get(); }
	int zero_fd() const { return zero_.get(); }

private:
	void drain_pipe(std::uint64_t bytes);
	void drain_udp(std::uint64_t datagrams);
	// Before a chunk of reads, untimed: what they will read.
	void fill_pipe(int writes);
	void send_udp(int datagrams);

	Timing run_chunk(Workload w, int n);

	int batch_;
	int pipe_chunk_;
	Fd devnull_, zero_, pipe_r_, pipe_w_, udp_tx_, udp_rx_;
	std::array<char, 64> payload_{};
	std::uint64_t udp_dropped_ = 0, failures_ = 0;
	unsigned char udp_addr_[32] = {};
	unsigned udp_addr_len_ = 0;
};

} // namespace bench

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// What the syscall probe hands up, as plain C++: one counted call (a
// Record, decoded from the ring buffer) and a cgroup's exact totals. Only
// probe/ sees the kernel ABI (bpf/bpfwatch.h); the layers above use these.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "net/endpoint.h"

namespace bpfwatch {

// The syscalls counted. A sendmmsg or recvmmsg counts once per message.
// The output side first, then from `read` on the input side.
enum class Syscall : std::uint8_t {
	write,
	writev,
	pwrite64,
	pwritev,
	pwritev2,
	sendto,
	sendmsg,
	sendmmsg,
	sendfile64,
	read,
	readv,
	pread64,
	preadv,
	preadv2,
	recvfrom,
	recvmsg,
	recvmmsg,
};
inline constexpr std::size_t kSyscalls = 17;

// Which way a call moves bytes: out of the container (write, send) or
// into it (read, receive).
enum class Direction : std::uint8_t { out, in };
inline constexpr Direction direction_of(Syscall s)
{
	return s >= Syscall::read ? Direction::in : Direction::out;
}

// What the fd of a call refers to, from its inode's type.
enum class FdKind : std::uint8_t {
	pipe,   // pipe or FIFO: a container's stdout/stderr
	file,   // regular file
	socket, // any socket
	tty,    // character device: ttys, /dev/null, ...
	other,  // anon inodes (eventfd, ...), block devices
};
inline constexpr std::size_t kFdKinds = 5;
inline constexpr std::array<FdKind, kFdKinds> kAllFdKinds = {FdKind::pipe, FdKind::file, FdKind::socket,
							       FdKind::tty, FdKind::other};

inline constexpr std::size_t index_of(FdKind k)
{
	return static_cast<std::size_t>(k);
}

struct Counts {
	std::uint64_t bytes = 0;  // sum of successful return values
	std::uint64_t calls = 0;  // successful calls
	std::uint64_t errors = 0; // calls that returned -errno

	Counts &operator+=(const Counts &o)
	{
		bytes += o.bytes;
		calls += o.calls;
		errors += o.errors;
		return *this;
	}
	Counts operator-(const Counts &o) const { return {bytes - o.bytes, calls - o.calls, errors - o.errors}; }
	bool any() const { return bytes || calls || errors; }
	bool operator==(const Counts &) const = default;
};

// The input side's counts of one fd kind. A 0-byte read is a successful
// call, and on a pipe or stream socket also an end of stream (eof).
// EAGAIN is normal for a non-blocking read: counted apart from errors.
struct InputCounts {
	std::uint64_t bytes = 0;  // sum of successful return values
	std::uint64_t calls = 0;  // successful calls (0-byte ones too)
	std::uint64_t errors = 0; // calls that returned -errno, EAGAIN aside
	std::uint64_t eof = 0;    // 0-byte reads on a pipe or stream socket
	std::uint64_t again = 0;  // calls that returned -EAGAIN

	InputCounts &operator+=(const InputCounts &o)
	{
		bytes += o.bytes;
		calls += o.calls;
		errors += o.errors;
		eof += o.eof;
		again += o.again;
		return *this;
	}
	InputCounts operator-(const InputCounts &o) const
	{
		return {bytes - o.bytes, calls - o.calls, errors - o.errors, eof - o.eof, again - o.again};
	}
	bool any() const { return bytes || calls || errors || eof || again; }
	bool operator==(const InputCounts &) const = default;
};

// One counted call (or one message of a sendmmsg or recvmmsg).
struct Record {
	std::uint64_t cgroup_id = 0; // cgroup v2 id of the caller
	std::int64_t ret = 0;        // bytes (>= 0) or -errno
	Syscall syscall = Syscall::write; // and so its direction_of()
	FdKind kind = FdKind::other;
	// The overlapping views the call also counts in (KernelTotals::stdio
	// and ::log), so per-call detail splits the same way. Output only.
	bool stdio = false; // fd 1 or 2
	bool log = false;   // the container's log pipes
	// With trace on (--events) only; zero otherwise.
	std::uint64_t ts_ns = 0; // CLOCK_MONOTONIC
	std::uint32_t pid = 0;   // thread group id
	std::uint32_t tid = 0;
	std::uint32_t fd = 0; // the fd written to or read from (sendfile64: out_fd)
	std::array<char, 16> comm{};
	// Sockets only: where the bytes went; for the input side, where they
	// came from (the connected peer, or the sender the kernel named).
	Endpoint endpoint;

	Direction direction() const { return direction_of(syscall); }
	bool input() const { return direction() == Direction::in; }
};

// A cgroup's exact totals, kept in the kernel beside the record stream: a
// full ring loses detail, never these.
struct KernelTotals {
	std::array<Counts, kFdKinds> by_kind{};
	Counts stdio; // the same calls again when made on fd 1 or 2
	Counts log;   // the same calls again when made to the container's log pipes
	std::uint64_t lost_records = 0; // records the ring had no room for
	std::array<InputCounts, kFdKinds> in_kind{}; // the input side, by kind

	const Counts &kind(FdKind k) const { return by_kind[index_of(k)]; }
	const InputCounts &input(FdKind k) const { return in_kind[index_of(k)]; }
	KernelTotals &operator+=(const KernelTotals &o);
};

inline KernelTotals &KernelTotals::operator+=(const KernelTotals &o)
{
	for (std::size_t k = 0; k < kFdKinds; k++) {
		by_kind[k] += o.by_kind[k];
		in_kind[k] += o.in_kind[k];
	}
	stdio += o.stdio;
	log += o.log;
	lost_records += o.lost_records;
	return *this;
}

// Kernel-side health: what was counted but could not be stored.
struct ProbeStats {
	std::uint64_t totals_full = 0; // calls not counted: totals map full
};

} // namespace bpfwatch

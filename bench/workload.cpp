// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "workload.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace bench {
namespace {

constexpr int kPayload = 64;
constexpr int kPipeBytes = 1 << 20;
constexpr int kPipeChunk = 4096;
// Few datagrams queued at a time: a long receive queue makes sendto's
// cost drift (socket memory accounting) more than anything we measure.
constexpr int kUdpChunk = 256;
// Generous: a chunk of 64-byte datagrams (~1 KiB truesize each) fits.
constexpr int kUdpRcvbuf = 4 << 20;

} // namespace

const char *workload_key(Workload w)
{
	switch (w) {
	case Workload::DevNull:
		return "write_devnull";
	case Workload::Pipe:
		return "write_pipe";
	case Workload::Udp:
		return "sendto_udp";
	case Workload::ReadZero:
		return "read_zero";
	case Workload::ReadPipe:
		return "read_pipe";
	case Workload::RecvUdp:
		return "recv_udp";
	}
	return "?";
}

const char *workload_title(Workload w)
{
	switch (w) {
	case Workload::DevNull:
		return "write /dev/null";
	case Workload::Pipe:
		return "write pipe";
	case Workload::Udp:
		return "sendto UDP lo";
	case Workload::ReadZero:
		return "read /dev/zero";
	case Workload::ReadPipe:
		return "read pipe";
	case Workload::RecvUdp:
		return "recv UDP lo";
	}
	return "?";
}

Workload workload_from_key(const std::string &key)
{
	for (Workload w : kAllWorkloads)
		if (key == workload_key(w) || std::string(workload_key(w)).find(key) != std::string::npos)
			return w;
	throw std::runtime_error("unknown workload '" + key +
				 "' (write_devnull, write_pipe, sendto_udp, read_zero, read_pipe, recv_udp)");
}

Workloads::Workloads(int batch) : batch_(batch)
{
	payload_.fill('x');
	devnull_ = Fd(open("/dev/null", O_WRONLY | O_CLOEXEC));
	if (devnull_.get() < 0)
		fail_errno("open /dev/null", errno);
	zero_ = Fd(open("/dev/zero", O_RDONLY | O_CLOEXEC));
	if (zero_.get() < 0)
		fail_errno("open /dev/zero", errno);

	int p[2];
	// Non-blocking both ways: a full pipe is an error here, never a stall.
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0)
		fail_errno("pipe2", errno);
	pipe_r_ = Fd(p[0]);
	pipe_w_ = Fd(p[1]);
	int cap = fcntl(pipe_w_.get(), F_SETPIPE_SZ, kPipeBytes);
	if (cap < 0)
		cap = fcntl(pipe_w_.get(), F_GETPIPE_SZ);
	// 64-byte writes share pages, so capacity/64 writes fit; keep a margin.
	pipe_chunk_ = std::clamp(cap / kPayload / 4, 16, kPipeChunk);

	udp_rx_ = Fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
	udp_tx_ = Fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	if (udp_rx_.get() < 0 || udp_tx_.get() < 0)
		fail_errno("socket(AF_INET, SOCK_DGRAM)", errno);
	int rcvbuf = kUdpRcvbuf;
	if (setsockopt(udp_rx_.get(), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) != 0)
		setsockopt(udp_rx_.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK); // loopback only, by rule
	socklen_t alen = sizeof(a);
	if (bind(udp_rx_.get(), reinterpret_cast<sockaddr *>(&a), sizeof(a)) != 0 ||
	    getsockname(udp_rx_.get(), reinterpret_cast<sockaddr *>(&a), &alen) != 0)
		fail_errno("bind UDP receiver to 127.0.0.1", errno);
	std::memcpy(udp_addr_, &a, sizeof(a));
	udp_addr_len_ = sizeof(a);
}

int Workloads::batch(Workload w) const
{
	// A sendto costs ~10x a write to /dev/null: fewer calls, similar time.
	return w == Workload::Udp || w == Workload::RecvUdp ? std::max(256, batch_ / 4) : batch_;
}

int Workloads::chunk(Workload w) const
{
	switch (w) {
	case Workload::Pipe:
	case Workload::ReadPipe:
		return pipe_chunk_;
	case Workload::Udp:
	case Workload::RecvUdp:
		return kUdpChunk;
	default:
		return batch_;
	}
}

Timing Workloads::run(Workload w, int n, const std::function<void(bool)> &around)
{
	n = n > 0 ? n : batch(w);
	Timing sum;
	for (int done = 0; done < n;) {
		int k = std::min(chunk(w), n - done);
		if (w == Workload::ReadPipe)
			fill_pipe(k);
		else if (w == Workload::RecvUdp)
			send_udp(k);
		if (around)
			around(false);
		Timing t = run_chunk(w, k);
		if (around)
			around(true);
		if (w == Workload::Pipe)
			drain_pipe(std::uint64_t(k) * kPayload);
		else if (w == Workload::Udp)
			drain_udp(k);
		sum.wall += t.wall;
		sum.cpu += t.cpu;
		done += k;
	}
	return {sum.wall / n, sum.cpu / n};
}

// Only the calls and a compare between the clock reads. Returns total ns.
Timing Workloads::run_chunk(Workload w, int n)
{
	const char *buf = payload_.data();
	const auto *addr = reinterpret_cast<const sockaddr *>(udp_addr_);
	char in[kPayload];
	int fd = udp_tx_.get();
	switch (w) {
	case Workload::DevNull:
		fd = devnull_.get();
		break;
	case Workload::Pipe:
		fd = pipe_w_.get();
		break;
	case Workload::ReadZero:
		fd = zero_.get();
		break;
	case Workload::ReadPipe:
		fd = pipe_r_.get();
		break;
	case Workload::RecvUdp:
		fd = udp_rx_.get();
		break;
	default:
		break;
	}
	std::uint64_t bad = 0;
	const std::uint64_t w0 = now_ns(), c0 = thread_cpu_ns();
	switch (w) {
	case Workload::Udp:
		for (int i = 0; i < n; i++)
			bad += sendto(fd, buf, kPayload, 0, addr, udp_addr_len_) != kPayload;
		break;
	case Workload::ReadZero:
	case Workload::ReadPipe:
		for (int i = 0; i < n; i++)
			bad += read(fd, in, kPayload) != kPayload;
		break;
	case Workload::RecvUdp:
		for (int i = 0; i < n; i++)
			bad += recv(fd, in, kPayload, 0) != kPayload;
		break;
	default:
		for (int i = 0; i < n; i++)
			bad += write(fd, buf, kPayload) != kPayload;
	}
	const std::uint64_t c1 = thread_cpu_ns(), w1 = now_ns();
	// A datagram loopback deferred past its send (rare) is not there to
	// read: counted as dropped, like the sender's, not as a failure.
	if (w == Workload::RecvUdp) {
		udp_dropped_ += bad;
		bad = 0;
	}
	failures_ += bad;
	if (bad)
		throw std::runtime_error(std::string(workload_title(w)) + ": " + std::to_string(bad) +
					 " of " + std::to_string(n) + " calls failed");
	return {double(w1 - w0), double(c1 - c0)};
}

void Workloads::poke()
{
	const auto *addr = reinterpret_cast<const sockaddr *>(udp_addr_);
	char in[kPayload];
	(void)!write(devnull_.get(), payload_.data(), kPayload);
	(void)!read(zero_.get(), in, kPayload);
	if (sendto(udp_tx_.get(), payload_.data(), kPayload, 0, addr, udp_addr_len_) == kPayload)
		drain_udp(1);
}

void Workloads::fill_pipe(int writes)
{
	for (int i = 0; i < writes; i++)
		if (write(pipe_w_.get(), payload_.data(), kPayload) != kPayload)
			throw std::runtime_error("read pipe: could not fill the pipe");
}

void Workloads::send_udp(int datagrams)
{
	const auto *addr = reinterpret_cast<const sockaddr *>(udp_addr_);
	for (int i = 0; i < datagrams; i++)
		if (sendto(udp_tx_.get(), payload_.data(), kPayload, 0, addr, udp_addr_len_) != kPayload)
			throw std::runtime_error("recv UDP lo: could not send the datagrams to read");
}

void Workloads::drain_pipe(std::uint64_t bytes)
{
	char buf[65536];
	std::uint64_t got = 0;
	for (int i = 0; got < bytes && i < 100000; i++) {
		ssize_t r = read(pipe_r_.get(), buf, sizeof(buf));
		if (r <= 0)
			break;
		got += r;
	}
	if (got != bytes)
		throw std::runtime_error("pipe: wrote " + std::to_string(bytes) + " bytes, read back " +
					 std::to_string(got));
}

void Workloads::drain_udp(std::uint64_t datagrams)
{
	char buf[256];
	std::uint64_t got = 0;
	// Loopback delivers in the sender's softirq; allow a short grace for
	// the rare datagram deferred to ksoftirqd, then count the rest dropped.
	std::uint64_t deadline = now_ns() + 50'000'000;
	for (int i = 0; got < datagrams && i < 10'000'000; i++) {
		ssize_t r = recv(udp_rx_.get(), buf, sizeof(buf), MSG_DONTWAIT);
		if (r >= 0) {
			got++;
			continue;
		}
		if (now_ns() > deadline)
			break;
		usleep(200);
	}
	udp_dropped_ += datagrams - got;
}

} // namespace bench

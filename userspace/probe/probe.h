// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The syscall probe: the skeleton's lifecycle (open, configure, load,
// attach, destroy), its ring buffer and its counters. Owning a Probe means
// the programs are attached; destroying it detaches everything.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "probe/degraded.h"
#include "probe/program_costs.h"
#include "probe/record.h"
#include "probe/slots.h"
#include "util/file_id.h"

struct ring_buffer;

namespace bpfwatch {

// Which build of bpf/syscalls.bpf.c to load (bpf/kread.bpf.h).
enum class ProbeBuild {
	Auto,   // what the kernel's BTF says it takes
	Btf,    // Linux 6.2+ (bpf_rdonly_cast): field reads are plain loads
	Compat, // BPF_CORE_READ everywhere, for 5.17 to 6.1
};

// What this kernel offers the hot path, detected before loading it: the
// build that fits is loaded, and a refusal of that build is an error,
// never a reason to try a slower one.
struct ProbeFeatures {
	bool rdonly_cast = false;    // the bpf_rdonly_cast kfunc (Linux 6.2)
	bool direct_fd_load = false; // the 6.17 verifier takes fdt->fd[i] as a load
};
ProbeFeatures detect_probe_features();

// A container's log pipes: its main process's fd 1 and 2.
using LogPipes = std::array<FileId, 2>;

struct ProbeConfig {
	// Explicit targets, one slot each. Empty: count every cgroup.
	std::vector<std::uint64_t> cgroup_ids;
	// Per slot above (or none): its log pipes, counted as `log`.
	std::vector<LogPipes> log_pipes;
	// Slots for targets that appear later (add_target); at least
	// cgroup_ids.size(). Ignored when watching everything.
	std::size_t slot_capacity = 0;
	// Records carry time, pid, tid, fd and comm (for --events).
	bool trace = false;
	// Count the input side (read*, recv*); false: --no-input.
	bool input = true;
	// 256 Ki default records: over 100 ms of one core writing flat out.
	// The reader is woken when it is half full, else reads it at the end
	// of each poll period. The ring is mapped twice in user space
	// (libbpf's wrap-around view), so it counts twice in RSS.
	std::uint32_t ring_bytes = 4u << 20;
	// Kernel memory for the per-CPU totals (watching everything), however
	// many CPUs there are, but room for at least totals_min_entries
	// cgroups at once: a node with many CPUs runs many containers, and
	// pays more (1,024 x 376 B x 64 CPUs = 24.6 MB; the budget alone held
	// 174 there).
	std::uint64_t totals_budget_bytes = 4u << 20;
	std::uint64_t totals_min_entries = 1024;
	ProbeBuild build = ProbeBuild::Auto;
	// Tests set false to exercise the pre-6.17 fd lookup on any kernel.
	bool allow_direct_fd_load = true;
	// The delivery probe's note of where each UDP datagram went
	// (DeliveryProbe::sent_dests_fd()), shared so that a UDP send's
	// destination is taken from it instead of from user memory
	// (bpf/sent_dest.bpf.h). -1: none.
	int sent_dests_fd = -1;
};

class Probe {
public:
	using RecordHandler = std::function<void(const Record &)>;
	using Clock = std::chrono::steady_clock;
	// No record waits in a CPU's staging batch longer than this.
	static constexpr std::chrono::milliseconds kFlushPeriod{100};

	// Throws Error naming what failed; nothing stays attached then.
	Probe(const ProbeConfig &config, RecordHandler on_record);
	~Probe();
	Probe(const Probe &) = delete;
	Probe &operator=(const Probe &) = delete;

	// Delivers ready records to the handler; waits up to timeout_ms for a
	// wake-up. Records staged on quiet CPUs are collected at least every
	// kFlushPeriod, however busy the ring is. Returns the records handled.
	int poll(int timeout_ms);
	// Delivers every record counted so far, staged ones included, without
	// waiting.
	int drain();

	// Exact totals per cgroup id, summed over CPUs. A target slot's totals
	// are keyed by the id it holds now, and include what its earlier ids
	// counted (retarget).
	std::map<std::uint64_t, KernelTotals> read_totals() const;
	ProbeStats read_stats() const;
	// Forgets a cgroup that is gone, so the bounded map does not fill
	// (watching everything only).
	void forget_cgroup(std::uint64_t cgroup_id);

	// Explicit targets: point a slot at another cgroup (a container that
	// restarted gets a new one), counting on into the same totals; or take
	// a free slot. add_target throws Error when no slot is free.
	void retarget(std::size_t slot, std::uint64_t cgroup_id, const LogPipes &log);
	std::size_t add_target(std::uint64_t cgroup_id, const LogPipes &log);
	void set_log_pipes(std::size_t slot, const LogPipes &log);
	// The slots and the cgroup paths they follow (bpf/follow.bpf.h).
	TargetSlots &slots() { return slots_; }

	std::uint64_t kernel_memory_bytes() const;
	// What each of its programs cost the kernel (kernel.bpf_stats_enabled).
	std::vector<ProgramCost> program_costs() const;
	bool direct_fd_load() const { return direct_fd_load_; }
	// Whether the BPF_CORE_READ build runs (a kernel before 6.2).
	bool compat() const { return compat_; }
	// Optional programs left out, and what is not counted without them.
	const DegradedList &degraded() const { return degraded_; }

	// Either build's loaded skeleton (probe.cpp).
	struct Skeleton;

private:
	static int on_ring_record(void *ctx, void *data, std::size_t size);
	// Move every CPU's staged records into the ring (bpf/batch.bpf.h).
	void flush();
	void deliver(const Record &r);
	void deliver_traced();

	RecordHandler on_record_;
	bool watch_all_ = true;
	int ncpus_ = 0;
	bool trace_ = false;
	std::vector<Record> trace_pending_;       // traced records of this read
	std::uint64_t delivered_ = 0;             // records handed to on_record_
	std::uint64_t flush_runs_ = 0;            // bw_flush runs (IPIs)
	Clock::time_point last_flush_{};
	std::vector<std::uint8_t> batch_scratch_; // the per-CPU batches, read by flush()
	bool direct_fd_load_ = false;
	bool compat_ = false;
	DegradedList degraded_;
	std::unique_ptr<Skeleton> skel_;
	TargetSlots slots_;
	// Declared after skel_: the ring buffer is freed before the maps.
	std::unique_ptr<ring_buffer, void (*)(ring_buffer *)> ring_;
};

} // namespace bpfwatch

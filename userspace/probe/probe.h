// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The syscall probe: the skeleton's lifecycle (open, configure, load,
// attach, destroy), its ring buffer and its counters. Owning a Probe means
// the programs are attached; destroying it detaches everything.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "probe/abi.h"

struct bpf_map;
struct bpf_object;
struct ring_buffer;

namespace bpfwatch {

// Which build of bpf/syscalls.bpf.c to load (bpf/kread.bpf.h).
enum class ProbeBuild {
	Auto,   // the BTF-load build where the kernel takes it, else compat
	Btf,    // Linux 6.2+: field reads are plain loads
	Compat, // BPF_CORE_READ everywhere, for 5.17 to 6.1
};

struct ProbeConfig {
	// Empty: count every cgroup. One id: a single compare in the kernel.
	std::vector<std::uint64_t> cgroup_ids;
	// Per cgroup id above (or none): its log pipes, counted as `log`.
	std::vector<bw_log_files> log_files;
	// Records carry time, pid, tid, fd and comm (for --events).
	bool trace = false;
	// 256 Ki default records: over 100 ms of one core writing flat out.
	// The reader is woken when it is half full, else reads it at the end
	// of each poll period. The ring is mapped twice in user space
	// (libbpf's wrap-around view), so it counts twice in RSS.
	std::uint32_t ring_bytes = 4u << 20;
	// Kernel memory for the per-CPU totals, however many CPUs there are.
	std::uint64_t totals_budget_bytes = 4u << 20;
	// Tests set false to exercise the pre-6.17 fd lookup on any kernel,
	// and Compat to exercise the pre-6.2 build.
	bool allow_direct_fd_load = true;
	ProbeBuild build = ProbeBuild::Auto;
};

// Kernel-side health: what was counted but could not be streamed or stored.
struct ProbeStats {
	std::uint64_t totals_full = 0; // calls not counted: totals map full
};

class Probe {
public:
	using EventHandler = std::function<void(const bw_event &)>;

	Probe(const ProbeConfig &config, EventHandler on_event);
	~Probe();
	Probe(const Probe &) = delete;
	Probe &operator=(const Probe &) = delete;

	// Deliver ready records to the handler; waits up to timeout_ms for a
	// wake-up, and drains when none came. Returns the records handled.
	int poll(int timeout_ms);
	// Deliver every record counted so far, staged ones included, without
	// waiting.
	int drain();

	// Exact totals per cgroup id, summed over CPUs.
	std::map<std::uint64_t, bw_totals> read_totals() const;
	ProbeStats read_stats() const;
	// Forget a cgroup that is gone, so the bounded map does not fill.
	void forget_cgroup(std::uint64_t cgroup_id);

	std::uint64_t kernel_memory_bytes() const;
	// Whether the fd table is read with plain loads (Linux 6.17+).
	bool direct_fd_load() const { return direct_fd_load_; }
	// Whether the BPF_CORE_READ build runs (a kernel before 6.2).
	bool compat() const { return compat_; }

private:
	static int on_ring_record(void *ctx, void *data, std::size_t size);
	// Move every CPU's staged records into the ring (bpf/batch.bpf.h).
	void flush();
	void deliver(const bw_event &e);
	void deliver_traced();
	template <class Skel> int load(const ProbeConfig &config, bool direct_fd_load);

	struct Maps {
		bpf_object *obj = nullptr;
		bpf_map *events = nullptr, *totals = nullptr, *target_totals = nullptr, *stats = nullptr;
		bpf_map *batches = nullptr;
		int flush_prog = -1;
	};

	EventHandler on_event_;
	std::vector<std::uint64_t> cgroup_ids_; // slot -> cgroup id
	int ncpus_ = 0;
	bool trace_ = false;
	std::vector<bw_event> trace_pending_;     // traced records of this read
	std::uint64_t delivered_ = 0;             // records handed to on_event_
	std::uint64_t flush_runs_ = 0;            // bw_flush runs (IPIs)
	std::vector<std::uint8_t> batch_scratch_; // the per-CPU batches, read by flush()
	bool direct_fd_load_ = false;
	bool compat_ = false;
	// Either skeleton (syscalls_bpf or syscalls_compat_bpf), and its maps.
	std::unique_ptr<void, void (*)(void *)> skel_;
	Maps maps_;
	// Declared after skel_: the ring buffer is freed before the maps.
	std::unique_ptr<ring_buffer, void (*)(ring_buffer *)> ring_;
};

} // namespace bpfwatch

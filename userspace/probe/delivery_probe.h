// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The delivery probe: bpf/delivery.bpf.c's lifecycle. Owning a
// DeliveryProbe means its tracepoints are attached (and its egress
// counters, where asked); destroying it detaches everything.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "probe/degraded.h"
#include "probe/delivery.h"
#include "probe/slots.h"
#include "probe/program_costs.h"

struct delivery_bpf;

namespace bpfwatch {

class EgressLinks;

// A cgroup whose IP egress to count, and its cgroup v2 directory.
struct EgressTarget {
	std::uint64_t cgroup_id = 0;
	std::string dir; // e.g. /sys/fs/cgroup/unified/docker/<id>
};

struct DeliveryConfig {
	// Explicit targets, one slot each, as in ProbeConfig. Empty: every
	// cgroup (TCP, UDP errors, and egress wherever attached).
	std::vector<std::uint64_t> cgroup_ids;
	// Slots for targets that appear later; at least cgroup_ids.size().
	std::size_t slot_capacity = 0;
	// Where to count IP egress. Watching everything, pass the containers'
	// directories as they appear (attach_egress): attaching at the cgroup
	// v2 root works too, but then the program runs for every packet every
	// process on the host sends.
	std::vector<EgressTarget> egress;
	// Map bounds; overflow is counted in DeliveryStats, never silent.
	std::uint32_t max_sockets = 16384; // tracked TCP sockets (~150 B each)
	std::uint32_t max_peers = 4096;    // (cgroup, TCP peer) totals
	std::uint32_t max_errors = 1024;   // (cgroup, peer, errno, phase)
	std::uint32_t max_egress = 8192;   // (cgroup, destination, proto, port)
};

class DeliveryProbe {
public:
	explicit DeliveryProbe(const DeliveryConfig &config);
	~DeliveryProbe();
	DeliveryProbe(const DeliveryProbe &) = delete;
	DeliveryProbe &operator=(const DeliveryProbe &) = delete;

	// Starts or stops counting the IP egress of a cgroup (and below).
	// Throws Error when the kernel refuses the link.
	void attach_egress(const EgressTarget &target);
	void detach_egress(std::uint64_t cgroup_id);
	// The directories that hold an egress link.
	std::vector<std::string> egress_linked_dirs() const;
	// Whether egress can be counted at all (bw_egress loaded).
	bool egress_available() const { return egress_ != nullptr; }
	// The map where bw_egress notes each UDP datagram's sender and
	// destination, for ProbeConfig::sent_dests_fd; -1 without egress.
	int sent_dests_fd() const;
	// The programs left out, and what is not counted without them.
	const DegradedList &degraded() const { return degraded_; }

	// Explicit targets (see Probe::slots): numbers stay keyed by the
	// cgroup that made them.
	TargetSlots &slots() { return slots_; }

	// Folds every live socket's progress into its peer's totals (runs the
	// sampler program), then reads all maps. Totals only grow.
	DeliverySnapshot read();
	DeliveryStats read_stats() const;

	// Drops a gone cgroup's entries, so the bounded maps do not fill.
	void forget_cgroup(std::uint64_t cgroup_id);

	std::uint64_t kernel_memory_bytes() const;
	std::vector<ProgramCost> program_costs() const;

private:
	void attach_tracepoints();
	void run_sampler();
	void flush_egress();
	DeliveryStats read_counters() const; // the per-CPU dstats only

	int ncpus_ = 0;
	DegradedList degraded_;
	TargetSlots slots_;
	std::unique_ptr<delivery_bpf, void (*)(delivery_bpf *)> skel_;
	// Declared after skel_: links go before the programs they run.
	std::unique_ptr<EgressLinks> egress_;
};

} // namespace bpfwatch

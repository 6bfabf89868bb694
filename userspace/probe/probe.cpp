// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "probe/probe.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "syscalls.skel.h"
#include "syscalls_compat.skel.h"
#include "probe/map_memory.h"
#include "probe/records.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

constexpr std::size_t kMaxTracePending = 8192;
// A per-CPU map value is copied out at an 8-byte stride per CPU.
constexpr std::size_t kBatchStride = (sizeof(bw_batch) + 7) & ~std::size_t(7);

std::string load_error(int err)
{
	err = std::abs(err);
	if (err == EPERM)
		return errno_message("load BPF programs", err) +
		       " (needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)";
	if (err == EACCES || err == EINVAL)
		return "the kernel's verifier rejected bpfwatch's programs (" + std::string(strerror(err)) +
		       "); run with -vv for its log";
	return errno_message("load BPF programs", err) + " (run with -v for libbpf's log)";
}

void add_totals(bw_totals &sum, const bw_totals &cpu)
{
	for (int k = 0; k < BW_KIND_MAX; k++) {
		sum.kind[k].bytes += cpu.kind[k].bytes;
		sum.kind[k].calls += cpu.kind[k].calls;
		sum.kind[k].errors += cpu.kind[k].errors;
	}
	sum.stdio.bytes += cpu.stdio.bytes;
	sum.stdio.calls += cpu.stdio.calls;
	sum.stdio.errors += cpu.stdio.errors;
	sum.log.bytes += cpu.log.bytes;
	sum.log.calls += cpu.log.calls;
	sum.log.errors += cpu.log.errors;
	sum.lost_events += cpu.lost_events;
}

} // namespace

Probe::Probe(const ProbeConfig &config, EventHandler on_event)
	: on_event_(std::move(on_event)), cgroup_ids_(config.cgroup_ids), trace_(config.trace), skel_(nullptr, nullptr),
	  ring_(nullptr, ring_buffer__free)
{
	ncpus_ = libbpf_num_possible_cpus();
	if (ncpus_ <= 0)
		throw Error(errno_message("count possible CPUs", ncpus_));

	// Fastest first: BTF loads with the fd table read directly (Linux
	// 6.17 verifier), then through the helper (6.2), then the BPF_CORE_READ
	// build for kernels without bpf_rdonly_cast (bpf/kread.bpf.h).
	int err = -ENOTSUP;
	if (config.build != ProbeBuild::Compat) {
		err = config.allow_direct_fd_load ? load<syscalls_bpf>(config, true) : -EACCES;
		if (err == -EACCES || err == -EINVAL) {
			spdlog::debug("direct fd table load rejected ({}), using bpf_probe_read_kernel", err);
			err = load<syscalls_bpf>(config, false);
		}
	}
	if (err && config.build != ProbeBuild::Btf) {
		if (config.build == ProbeBuild::Auto)
			spdlog::debug("BTF-load build failed ({}), loading the BPF_CORE_READ build", err);
		err = load<syscalls_compat_bpf>(config, false);
		compat_ = err == 0;
	}
	if (err)
		throw Error(load_error(err));

	batch_scratch_.resize(kBatchStride * ncpus_);
	ring_.reset(ring_buffer__new(bpf_map__fd(maps_.events), on_ring_record, this, nullptr));
	if (!ring_)
		throw Error(errno_message("create ring buffer reader", errno));
	spdlog::debug("probe attached: {} cgroup(s), ring {} KiB, {} build, direct fd load {}",
		      config.cgroup_ids.size(), config.ring_bytes / 1024, compat_ ? "compat" : "BTF", direct_fd_load_);
}

// Opens, configures, loads and attaches one build of bpf/syscalls.bpf.c;
// both skeletons have the same maps and settings. Returns libbpf's error
// from loading or attaching; the skeleton is kept only on success.
template <class Skel> int Probe::load(const ProbeConfig &config, bool direct_fd_load)
{
	std::unique_ptr<Skel, void (*)(Skel *)> skel(Skel::open(), Skel::destroy);
	if (!skel)
		throw Error(errno_message("open BPF object", errno));

	auto *ro = skel->rodata;
	std::size_t targets = config.cgroup_ids.size();
	if (targets == 1) {
		ro->filter_mode = BW_FILTER_ONE;
		ro->filter_cgroup_id = config.cgroup_ids.front();
	} else if (targets > 1) {
		ro->filter_mode = BW_FILTER_SET;
	} else {
		ro->filter_mode = BW_FILTER_ALL;
		ro->self_tgid = getpid();
	}
	ro->want_trace = config.trace;
	ro->wakeup_bytes = config.ring_bytes / 2;
	ro->fd_direct_load = direct_fd_load;

	// A per-CPU map costs value_size * ncpus per entry: size the hash from
	// the budget so the total stays put on a 2-CPU VM and a 256-CPU host.
	std::uint64_t per_entry = sizeof(bw_totals) * static_cast<std::uint64_t>(ncpus_);
	std::uint64_t hash_entries =
		targets ? 1 : std::clamp<std::uint64_t>(config.totals_budget_bytes / per_entry, 64, 16384);
	int err = bpf_map__set_max_entries(skel->maps.totals, hash_entries);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.target_totals, std::max<std::size_t>(1, targets));
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.watched_cgroups, std::max<std::size_t>(1, targets));
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.log_files, std::max<std::size_t>(1, targets));
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.events, config.ring_bytes);
	if (err)
		throw Error(errno_message("size BPF maps", err));
	err = Skel::load(skel.get());
	if (err)
		return err;

	if (targets > 1)
		for (std::uint32_t slot = 0; slot < targets; slot++)
			if (bpf_map_update_elem(bpf_map__fd(skel->maps.watched_cgroups), &config.cgroup_ids[slot], &slot,
						BPF_ANY))
				throw Error(errno_message("add cgroup to the watch set", errno));
	for (std::uint32_t slot = 0; slot < config.log_files.size() && slot < targets; slot++)
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.log_files), &slot, &config.log_files[slot], BPF_ANY))
			throw Error(errno_message("set a container's log files", errno));
	// bw_flush is run by flush(), never attached.
	bpf_program__set_autoattach(skel->progs.bw_flush, false);
	err = Skel::attach(skel.get());
	if (err)
		throw Error(errno_message("attach raw_tracepoint/sys_exit", err));

	maps_.obj = skel->obj;
	maps_.events = skel->maps.events;
	maps_.totals = skel->maps.totals;
	maps_.target_totals = skel->maps.target_totals;
	maps_.stats = skel->maps.stats;
	maps_.batches = skel->maps.batches;
	maps_.flush_prog = bpf_program__fd(skel->progs.bw_flush);
	direct_fd_load_ = direct_fd_load;
	skel_ = {skel.release(), [](void *p) { Skel::destroy(static_cast<Skel *>(p)); }};
	return 0;
}

Probe::~Probe()
{
	spdlog::debug("probe: {} records delivered, {} batch flushes asked for", delivered_, flush_runs_);
}

// One ring record is one CPU's batch of records.
int Probe::on_ring_record(void *ctx, void *data, std::size_t size)
{
	auto *self = static_cast<Probe *>(ctx);
	decode_batch(data, size, [self](const bw_event &e) {
		if (!self->trace_) {
			self->deliver(e);
			return;
		}
		self->trace_pending_.push_back(e);
		// Flat out, a read can bring 70k traced records: hand them out
		// in sorted runs rather than hold them all.
		if (self->trace_pending_.size() >= kMaxTracePending)
			self->deliver_traced();
	});
	return 0;
}

void Probe::deliver(const bw_event &e)
{
	delivered_++;
	on_event_(e);
}

// Each CPU's batch is in order, but batches arrive as CPUs fill them:
// traced records of one read are handed out by time.
void Probe::deliver_traced()
{
	std::stable_sort(trace_pending_.begin(), trace_pending_.end(),
			 [](const bw_event &a, const bw_event &b) { return a.ts_ns < b.ts_ns; });
	for (const bw_event &e : trace_pending_)
		deliver(e);
	trace_pending_.clear();
}

int Probe::poll(int timeout_ms)
{
	std::uint64_t before = delivered_;
	int n = ring_buffer__poll(ring_.get(), timeout_ms);
	if (n == -EINTR)
		return 0;
	if (n < 0)
		throw Error(errno_message("read ring buffer", n));
	// Records staged or submitted without a wake-up wait for the next one;
	// the end of each poll period collects them, so none waits longer.
	if (n == 0)
		return drain();
	deliver_traced();
	return static_cast<int>(delivered_ - before);
}

int Probe::drain()
{
	std::uint64_t before = delivered_;
	flush();
	int n = ring_buffer__consume(ring_.get());
	if (n < 0 && n != -EINTR)
		throw Error(errno_message("drain ring buffer", n));
	deliver_traced();
	return static_cast<int>(delivered_ - before);
}

// Each CPU with staged records runs bw_flush on itself. A CPU caught in
// the middle of staging a record says so, and is asked again; one that
// stays busy that long keeps its records for the next flush.
void Probe::flush()
{
	std::uint32_t zero = 0;
	if (bpf_map_lookup_elem(bpf_map__fd(maps_.batches), &zero, batch_scratch_.data()))
		throw Error(errno_message("read the staged record batches", errno));
	for (int cpu = 0; cpu < ncpus_; cpu++) {
		bw_batch head;
		std::memcpy(&head, batch_scratch_.data() + cpu * kBatchStride, offsetof(bw_batch, data));
		if (!head.len)
			continue;
		LIBBPF_OPTS(bpf_test_run_opts, opts, .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = std::uint32_t(cpu));
		for (int attempt = 0; attempt < 1000; attempt++) {
			int err = bpf_prog_test_run_opts(maps_.flush_prog, &opts);
			flush_runs_++;
			if (err == -ENXIO)
				break; // offline since it staged them: they wait for it
			if (err)
				throw Error(errno_message("flush CPU " + std::to_string(cpu) + "'s records", err));
			if (opts.retval == 0)
				break;
		}
	}
}

std::map<std::uint64_t, bw_totals> Probe::read_totals() const
{
	std::map<std::uint64_t, bw_totals> out;
	std::vector<bw_totals> per_cpu(ncpus_);
	auto sum_into = [&](std::uint64_t cgroup_id) {
		bw_totals sum{};
		for (const bw_totals &cpu : per_cpu)
			add_totals(sum, cpu);
		out[cgroup_id] = sum;
	};

	if (!cgroup_ids_.empty()) {
		int fd = bpf_map__fd(maps_.target_totals);
		for (std::uint32_t slot = 0; slot < cgroup_ids_.size(); slot++)
			if (bpf_map_lookup_elem(fd, &slot, per_cpu.data()) == 0)
				sum_into(cgroup_ids_[slot]);
		return out;
	}

	int fd = bpf_map__fd(maps_.totals);
	std::uint64_t key = 0, next = 0;
	const std::uint64_t *prev = nullptr;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, per_cpu.data()) == 0) // else deleted meanwhile
			sum_into(key);
	}
	return out;
}

ProbeStats Probe::read_stats() const
{
	ProbeStats stats;
	std::vector<std::uint64_t> per_cpu(ncpus_);
	std::uint32_t key = BW_STAT_TOTALS_FULL;

	if (bpf_map_lookup_elem(bpf_map__fd(maps_.stats), &key, per_cpu.data()) == 0)
		for (std::uint64_t v : per_cpu)
			stats.totals_full += v;
	return stats;
}

void Probe::forget_cgroup(std::uint64_t cgroup_id)
{
	// Explicit targets keep their slot; only discovered cgroups are freed.
	if (cgroup_ids_.empty())
		bpf_map_delete_elem(bpf_map__fd(maps_.totals), &cgroup_id);
}

std::uint64_t Probe::kernel_memory_bytes() const
{
	return maps_memlock_bytes(maps_.obj);
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "probe/probe.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "features.skel.h"
#include "probe/abi.h"
#include "probe/degrading_load.h"
#include "probe/map_util.h"
#include "probe/records.h"
#include "probe/run_on_cpu.h"
#include "syscalls.skel.h"
#include "syscalls_compat.skel.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

constexpr std::size_t kMaxTracePending = 8192;
// A per-CPU map value is copied out at an 8-byte stride per CPU.
constexpr std::size_t kBatchStride = (sizeof(bw_batch) + 7) & ~std::size_t(7);
constexpr const char *kPrivileges = "CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN";

KernelTotals to_totals(const bw_totals &t)
{
	auto counts = [](const bw_counts &c) { return Counts{c.bytes, c.calls, c.errors}; };
	KernelTotals out;
	for (std::size_t k = 0; k < kFdKinds; k++)
		out.by_kind[k] = counts(t.kind[k]);
	out.stdio = counts(t.stdio);
	out.log = counts(t.log);
	out.lost_records = t.lost_events;
	for (std::size_t k = 0; k < kFdKinds; k++) {
		const bw_in_counts &in = t.in[k];
		out.in_kind[k] = InputCounts{in.bytes, in.calls, in.errors, in.eof, in.again};
	}
	return out;
}

KernelTotals sum_cpus(const std::vector<bw_totals> &per_cpu)
{
	KernelTotals sum;
	for (const bw_totals &cpu : per_cpu)
		sum += to_totals(cpu);
	return sum;
}

bw_log_files to_abi(const LogPipes &log)
{
	bw_log_files lf{};
	for (int i = 0; i < 2; i++) {
		lf.ino[i] = log[i].ino;
		lf.dev[i] = log[i].dev;
	}
	return lf;
}

// The 6.17 verifier's view of fdt->fd (see bpf/fd.bpf.h), asked the way
// libbpf asks about its own features: load a tiny program that makes the
// same access, and see whether it is taken.
bool kernel_takes_direct_fd_load()
{
	std::unique_ptr<features_bpf, void (*)(features_bpf *)> skel(features_bpf::open(), features_bpf::destroy);
	if (!skel)
		throw Error(errno_message("open the feature probe", errno));
	int err = features_bpf::load(skel.get());
	spdlog::debug("feature probe: direct fd table load {} ({})", err ? "refused" : "taken", err);
	return err == 0;
}

} // namespace

ProbeFeatures detect_probe_features()
{
	ProbeFeatures f;
	std::unique_ptr<btf, void (*)(btf *)> vmlinux(btf__load_vmlinux_btf(), btf__free);
	if (!vmlinux)
		throw Error(errno_message("read the kernel's BTF", errno));
	// Commit a35b9af4ec2c ("bpf: Add a kfunc for generic type cast"), 6.2.
	f.rdonly_cast = btf__find_by_name_kind(vmlinux.get(), "bpf_rdonly_cast", BTF_KIND_FUNC) > 0;
	f.direct_fd_load = f.rdonly_cast && kernel_takes_direct_fd_load();
	return f;
}

// Either build's skeleton, by the maps and programs they both have.
struct Probe::Skeleton {
	std::unique_ptr<void, void (*)(void *)> owner{nullptr, nullptr};
	bpf_object *obj = nullptr;
	bpf_map *events = nullptr, *totals = nullptr, *target_totals = nullptr, *stats = nullptr;
	bpf_map *batches = nullptr, *log_files = nullptr;
	int flush_prog = -1;
	TargetSlots::Maps slots;
};

namespace {

// The syscall probe's one optional program; the others are its core.
const OptionalPrograms kOptional = {
	{"bw_cgroup_mkdir", "a restarted container's writes until bpfwatch re-resolves it"},
};

// Opens, configures and loads one build of bpf/syscalls.bpf.c (attached
// by attach_skeleton()). Throws Error; nothing is left loaded then.
template <class Skel>
std::unique_ptr<Probe::Skeleton> load_skeleton(const ProbeConfig &config, std::size_t capacity, bool direct_fd_load,
						int ncpus, DegradedList &degraded)
{
	bool all = config.cgroup_ids.empty();
	auto configure = [&](Skel &skel) {
		auto *ro = skel.rodata;
		ro->filter_mode = all ? BW_FILTER_ALL : capacity <= BW_FEW_SLOTS ? BW_FILTER_FEW : BW_FILTER_MANY;
		ro->filter_slots = all ? 0 : capacity;
		ro->self_tgid = getpid();
		ro->want_trace = config.trace;
		ro->want_input = config.input;
		ro->wakeup_bytes = config.ring_bytes / 2;
		ro->fd_direct_load = direct_fd_load;
		ro->sent_dests_shared = config.sent_dests_fd >= 0;

		// A per-CPU map costs value_size * ncpus per entry: size the hash
		// from the budget so the total stays put on a 2-CPU VM and a
		// 256-CPU host, within the floor (probe.h) and 16,384.
		constexpr std::uint64_t kMaxTotals = 16384;
		std::uint64_t per_entry = sizeof(bw_totals) * static_cast<std::uint64_t>(ncpus);
		std::uint64_t min_entries = std::min(config.totals_min_entries, kMaxTotals);
		std::uint64_t hash_entries =
			all ? std::clamp(config.totals_budget_bytes / per_entry, min_entries, kMaxTotals) : 1;
		std::size_t slots = std::max<std::size_t>(1, capacity);
		int err = bpf_map__set_max_entries(skel.maps.totals, hash_entries);
		if (!err)
			err = bpf_map__set_max_entries(skel.maps.target_totals, slots);
		if (!err)
			err = bpf_map__set_max_entries(skel.maps.watched_cgroups, slots * TargetSlots::kIdsPerSlot);
		if (!err)
			err = bpf_map__set_max_entries(skel.maps.log_files, slots);
		if (!err)
			err = bpf_map__set_max_entries(skel.maps.slot_cgroups, slots);
		if (!err)
			err = bpf_map__set_max_entries(skel.maps.expected_cgroups, slots * 4);
		if (!err)
			err = bpf_map__set_max_entries(skel.maps.events, config.ring_bytes);
		if (err)
			throw Error(errno_message("size BPF maps", err));
		if (config.sent_dests_fd >= 0 && (err = bpf_map__reuse_fd(skel.maps.sent_dests, config.sent_dests_fd)))
			throw Error(errno_message("share the delivery probe's map of sent datagrams", err));
		// Watching everything, a new cgroup is counted anyway: nothing to
		// follow.
		bpf_program__set_autoload(skel.progs.bw_cgroup_mkdir, !all);
	};
	auto skel = load_degrading<Skel>(configure, kOptional, "bpfwatch's syscall programs", kPrivileges, degraded);

	auto s = std::make_unique<Probe::Skeleton>();
	s->obj = skel->obj;
	s->events = skel->maps.events;
	s->totals = skel->maps.totals;
	s->target_totals = skel->maps.target_totals;
	s->stats = skel->maps.stats;
	s->batches = skel->maps.batches;
	s->log_files = skel->maps.log_files;
	s->flush_prog = bpf_program__fd(skel->progs.bw_flush);
	s->slots = {reinterpret_cast<std::uint64_t *>(skel->bss->watched_ids), skel->maps.watched_cgroups,
		    skel->maps.slot_cgroups, skel->maps.expected_cgroups};
	// Attached last, by the caller, once the slots are filled in.
	s->owner = {skel.release(), [](void *p) { Skel::destroy(static_cast<Skel *>(p)); }};
	return s;
}

// sys_exit is the probe: refused, nothing is counted, and that is an
// error. bw_flush is run by Probe::flush(), never attached.
template <class Skel>
void attach_skeleton(Probe::Skeleton &s, DegradedList &degraded)
{
	auto *skel = static_cast<Skel *>(s.owner.get());
	skel->links.bw_sys_exit = attach_program(skel->progs.bw_sys_exit);
	if (!skel->links.bw_sys_exit)
		throw Error(errno_message("attach raw_tracepoint/sys_exit", errno));
	if (bpf_program__fd(skel->progs.bw_cgroup_mkdir) >= 0)
		attach_optional(skel->progs.bw_cgroup_mkdir, &skel->links.bw_cgroup_mkdir,
				kOptional.at("bw_cgroup_mkdir"), degraded);
}

} // namespace

Probe::Probe(const ProbeConfig &config, RecordHandler on_record)
	: on_record_(std::move(on_record)), watch_all_(config.cgroup_ids.empty()), ncpus_(possible_cpus()),
	  trace_(config.trace), ring_(nullptr, ring_buffer__free)
{
	std::size_t capacity = watch_all_ ? 0 : std::max(config.slot_capacity, config.cgroup_ids.size());

	ProbeFeatures features = detect_probe_features();
	bool btf_build = config.build == ProbeBuild::Btf ||
			 (config.build == ProbeBuild::Auto && features.rdonly_cast);
	if (btf_build && !features.rdonly_cast)
		throw Error("the BTF build of the probe needs Linux 6.2 or newer (bpf_rdonly_cast)");
	direct_fd_load_ = btf_build && features.direct_fd_load && config.allow_direct_fd_load;
	compat_ = !btf_build;
	skel_ = btf_build ? load_skeleton<syscalls_bpf>(config, capacity, direct_fd_load_, ncpus_, degraded_)
			  : load_skeleton<syscalls_compat_bpf>(config, capacity, false, ncpus_, degraded_);
	slots_ = TargetSlots(capacity, capacity <= BW_FEW_SLOTS, skel_->slots);

	for (std::size_t slot = 0; slot < config.cgroup_ids.size(); slot++)
		add_target(config.cgroup_ids[slot], slot < config.log_pipes.size() ? config.log_pipes[slot] : LogPipes{});
	if (btf_build)
		attach_skeleton<syscalls_bpf>(*skel_, degraded_);
	else
		attach_skeleton<syscalls_compat_bpf>(*skel_, degraded_);

	batch_scratch_.resize(kBatchStride * ncpus_);
	ring_.reset(ring_buffer__new(bpf_map__fd(skel_->events), on_ring_record, this, nullptr));
	if (!ring_)
		throw Error(errno_message("create ring buffer reader", errno));
	last_flush_ = Clock::now();
	spdlog::debug("probe attached: {} of {} slot(s), ring {} KiB, {} build, direct fd load {}", slots_.used(),
		      slots_.capacity(), config.ring_bytes / 1024, compat_ ? "compat" : "BTF", direct_fd_load_);
}

Probe::~Probe()
{
	spdlog::debug("probe: {} records delivered, {} batch flushes asked for", delivered_, flush_runs_);
}

void Probe::set_log_pipes(std::size_t slot, const LogPipes &log)
{
	auto index = static_cast<std::uint32_t>(slot);
	bw_log_files lf = to_abi(log);
	if (bpf_map_update_elem(bpf_map__fd(skel_->log_files), &index, &lf, BPF_ANY))
		throw Error(errno_message("set a container's log pipes", errno));
}

void Probe::retarget(std::size_t slot, std::uint64_t cgroup_id, const LogPipes &log)
{
	// The log pipes first: a call counted under the new id must not be
	// compared with the old container's pipes.
	set_log_pipes(slot, log);
	slots_.point(slot, cgroup_id);
}

std::size_t Probe::add_target(std::uint64_t cgroup_id, const LogPipes &log)
{
	if (watch_all_ || slots_.used() >= slots_.capacity())
		throw Error("no room for another target (" + std::to_string(slots_.capacity()) + " slots)");
	set_log_pipes(slots_.used(), log);
	return slots_.add(cgroup_id);
}

// One ring record is one CPU's batch of records.
int Probe::on_ring_record(void *ctx, void *data, std::size_t size)
{
	auto *self = static_cast<Probe *>(ctx);
	decode_batch(data, size, [self](const Record &r) {
		if (!self->trace_) {
			self->deliver(r);
			return;
		}
		self->trace_pending_.push_back(r);
		// Flat out, a read can bring 70k traced records: hand them out
		// in sorted runs rather than hold them all.
		if (self->trace_pending_.size() >= kMaxTracePending)
			self->deliver_traced();
	});
	return 0;
}

void Probe::deliver(const Record &r)
{
	delivered_++;
	on_record_(r);
}

// Each CPU's batch is in order, but batches arrive as CPUs fill them:
// traced records of one read are handed out by time.
void Probe::deliver_traced()
{
	std::stable_sort(trace_pending_.begin(), trace_pending_.end(),
			 [](const Record &a, const Record &b) { return a.ts_ns < b.ts_ns; });
	for (const Record &r : trace_pending_)
		deliver(r);
	trace_pending_.clear();
}

int Probe::poll(int timeout_ms)
{
	std::uint64_t before = delivered_;
	int n = ring_buffer__poll(ring_.get(), timeout_ms);
	if (n < 0 && n != -EINTR)
		throw Error(errno_message("read ring buffer", n));
	// A busy CPU wakes the reader as its batches fill the ring; a quiet
	// one never does. Its staged records are collected once per period,
	// busy ring or not.
	if (Clock::now() - last_flush_ >= kFlushPeriod)
		drain();
	else
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
	last_flush_ = Clock::now();
	std::uint32_t zero = 0;
	if (bpf_map_lookup_elem(bpf_map__fd(skel_->batches), &zero, batch_scratch_.data()))
		throw Error(errno_message("read the staged record batches", errno));
	for (int cpu = 0; cpu < ncpus_; cpu++) {
		bw_batch head;
		std::memcpy(&head, batch_scratch_.data() + cpu * kBatchStride, offsetof(bw_batch, data));
		if (!head.len)
			continue;
		run_on_cpu(skel_->flush_prog, cpu, 1000, &flush_runs_, "flush the staged records");
	}
}

std::map<std::uint64_t, KernelTotals> Probe::read_totals() const
{
	std::map<std::uint64_t, KernelTotals> out;
	if (!watch_all_) {
		int fd = bpf_map__fd(skel_->target_totals);
		const auto &ids = slots_.ids();
		for (std::uint32_t slot = 0; slot < ids.size(); slot++) {
			auto per_cpu = percpu_values<bw_totals>(fd, &slot, ncpus_);
			if (!per_cpu.empty())
				out[ids[slot]] = sum_cpus(per_cpu);
		}
		return out;
	}
	int fd = bpf_map__fd(skel_->totals);
	for_each_key<std::uint64_t>(skel_->totals, [&](const std::uint64_t &id) {
		auto per_cpu = percpu_values<bw_totals>(fd, &id, ncpus_);
		if (!per_cpu.empty()) // else deleted meanwhile
			out[id] = sum_cpus(per_cpu);
	});
	return out;
}

ProbeStats Probe::read_stats() const
{
	ProbeStats stats;
	std::uint32_t key = BW_STAT_TOTALS_FULL;
	for (std::uint64_t v : percpu_values<std::uint64_t>(bpf_map__fd(skel_->stats), &key, ncpus_))
		stats.totals_full += v;
	return stats;
}

void Probe::forget_cgroup(std::uint64_t cgroup_id)
{
	// Explicit targets keep their slot; only discovered cgroups are freed.
	if (watch_all_)
		bpf_map_delete_elem(bpf_map__fd(skel_->totals), &cgroup_id);
}

std::uint64_t Probe::kernel_memory_bytes() const
{
	return maps_memlock_bytes(skel_->obj);
}

std::vector<ProgramCost> Probe::program_costs() const
{
	return bpfwatch::program_costs(skel_->obj);
}

} // namespace bpfwatch

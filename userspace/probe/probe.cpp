// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "probe/probe.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "syscalls.skel.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

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
	sum.lost_events += cpu.lost_events;
}

} // namespace

Probe::Probe(const ProbeConfig &config, EventHandler on_event)
	: on_event_(std::move(on_event)), skel_(nullptr, syscalls_bpf::destroy),
	  ring_(nullptr, ring_buffer__free)
{
	ncpus_ = libbpf_num_possible_cpus();
	if (ncpus_ <= 0)
		throw Error(errno_message("count possible CPUs", ncpus_));

	skel_.reset(syscalls_bpf::open());
	if (!skel_)
		throw Error(errno_message("open BPF object", errno));

	auto *ro = skel_->rodata;
	if (config.cgroup_ids.size() == 1) {
		ro->filter_mode = BW_FILTER_ONE;
		ro->filter_cgroup_id = config.cgroup_ids.front();
	} else if (!config.cgroup_ids.empty()) {
		ro->filter_mode = BW_FILTER_SET;
	} else {
		ro->self_tgid = getpid();
	}
	ro->want_timestamps = config.timestamps;
	ro->wakeup_every = std::max<std::uint32_t>(1, config.wakeup_every);

	// A per-CPU map costs value_size * ncpus per entry: size it from the
	// budget so the total stays put on a 2-CPU VM and a 256-CPU host.
	std::uint64_t per_entry = sizeof(bw_totals) * static_cast<std::uint64_t>(ncpus_);
	auto entries = std::clamp<std::uint64_t>(config.totals_budget_bytes / per_entry, 64, 16384);
	int err = bpf_map__set_max_entries(skel_->maps.totals, entries);
	if (!err)
		err = bpf_map__set_max_entries(skel_->maps.events, config.ring_bytes);
	if (!err)
		err = bpf_map__set_max_entries(skel_->maps.watched_cgroups,
					       std::max<std::size_t>(1, config.cgroup_ids.size()));
	if (err)
		throw Error(errno_message("size BPF maps", err));

	err = syscalls_bpf::load(skel_.get());
	if (err)
		throw Error(load_error(err));

	if (config.cgroup_ids.size() > 1) {
		std::uint8_t yes = 1;
		for (std::uint64_t id : config.cgroup_ids)
			if (bpf_map_update_elem(bpf_map__fd(skel_->maps.watched_cgroups), &id, &yes, BPF_ANY))
				throw Error(errno_message("add cgroup to the watch set", errno));
	}

	err = syscalls_bpf::attach(skel_.get());
	if (err)
		throw Error(errno_message("attach raw_tracepoint/sys_exit", err));

	ring_.reset(ring_buffer__new(bpf_map__fd(skel_->maps.events), on_ring_record, this, nullptr));
	if (!ring_)
		throw Error(errno_message("create ring buffer reader", errno));
	spdlog::debug("probe attached: {} cgroup(s), totals map {} entries, ring {} KiB",
		      config.cgroup_ids.size(), entries, config.ring_bytes / 1024);
}

Probe::~Probe() = default;

int Probe::on_ring_record(void *ctx, void *data, std::size_t size)
{
	auto *self = static_cast<Probe *>(ctx);
	if (size >= sizeof(bw_event))
		self->on_event_(*static_cast<const bw_event *>(data));
	return 0;
}

int Probe::poll(int timeout_ms)
{
	int n = ring_buffer__poll(ring_.get(), timeout_ms);
	if (n == -EINTR)
		return 0;
	if (n < 0)
		throw Error(errno_message("read ring buffer", n));
	return n;
}

int Probe::drain()
{
	int n = ring_buffer__consume(ring_.get());
	if (n < 0 && n != -EINTR)
		throw Error(errno_message("drain ring buffer", n));
	return std::max(n, 0);
}

std::map<std::uint64_t, bw_totals> Probe::read_totals() const
{
	std::map<std::uint64_t, bw_totals> out;
	std::vector<bw_totals> per_cpu(ncpus_);
	int fd = bpf_map__fd(skel_->maps.totals);
	std::uint64_t key = 0, next = 0;
	const std::uint64_t *prev = nullptr;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, per_cpu.data()) != 0)
			continue; // deleted meanwhile
		bw_totals sum{};
		for (const bw_totals &cpu : per_cpu)
			add_totals(sum, cpu);
		out[key] = sum;
	}
	return out;
}

ProbeStats Probe::read_stats() const
{
	ProbeStats stats;
	std::vector<std::uint64_t> per_cpu(ncpus_);
	std::uint32_t key = BW_STAT_TOTALS_FULL;

	if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.stats), &key, per_cpu.data()) == 0)
		for (std::uint64_t v : per_cpu)
			stats.totals_full += v;
	return stats;
}

void Probe::forget_cgroup(std::uint64_t cgroup_id)
{
	bpf_map_delete_elem(bpf_map__fd(skel_->maps.totals), &cgroup_id);
}

std::uint32_t Probe::totals_capacity() const
{
	return bpf_map__max_entries(skel_->maps.totals);
}

std::uint64_t Probe::kernel_memory_bytes() const
{
	// The kernel's own accounting of each map ("memlock:" in fdinfo).
	std::uint64_t total = 0;
	bpf_map *map;

	bpf_object__for_each_map(map, skel_->obj)
	{
		std::ifstream info("/proc/self/fdinfo/" + std::to_string(bpf_map__fd(map)));
		std::string line;
		while (std::getline(info, line))
			if (line.rfind("memlock:", 0) == 0)
				total += std::stoull(line.substr(8));
	}
	return total;
}

} // namespace bpfwatch

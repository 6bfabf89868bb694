// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "probe/delivery_probe.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "delivery.skel.h"
#include "probe/degrading_load.h"
#include "probe/egress_links.h"
#include "probe/preflight.h"
#include "probe/abi.h"
#include "probe/map_util.h"
#include "probe/records.h"
#include "probe/run_on_cpu.h"
#include "util/clock.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

// Whether vmlinux BTF declares the raw tracepoint (its btf_trace_ typedef).
bool kernel_has_raw_tracepoint(const std::string &name)
{
	std::unique_ptr<btf, void (*)(btf *)> vmlinux(btf__load_vmlinux_btf(), btf__free);
	return vmlinux && btf__find_by_name_kind(vmlinux.get(), ("btf_trace_" + name).c_str(),
						 BTF_KIND_TYPEDEF) > 0;
}

constexpr const char *kPrivileges = "CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN, or CAP_SYS_ADMIN";

std::uint64_t cgroup_of(const bw_peer_key &k)
{
	return k.cgroup_id;
}

std::uint64_t cgroup_of(const bw_error_key &k)
{
	return k.key.cgroup_id;
}

// Deletes a cgroup's entries from a map keyed by (cgroup, ...).
template <typename K>
void delete_cgroup(const bpf_map *map, std::uint64_t cgroup_id)
{
	for_each_key<K>(map, [&](const K &k) {
		if (cgroup_of(k) == cgroup_id)
			bpf_map_delete_elem(bpf_map__fd(map), &k);
	});
}

void add_tcp(TcpDelivery &t, const bw_tcp_peer &v)
{
	t.bytes_acked += v.bytes_acked;
	t.bytes_sent += v.bytes_sent;
	t.bytes_retrans += v.bytes_retrans;
	t.retrans_segs += v.retrans_segs;
	t.resets_sent += v.resets_sent;
	t.resets_received += v.resets_received;
	t.connect_attempts += v.connect_attempts;
	t.connects += v.connects;
	t.accepts += v.accepts;
	t.connect_failures += v.connect_failures;
	t.closes += v.closes;
	t.last_ack_ns = std::max<std::uint64_t>(t.last_ack_ns, v.last_ack_ns);
}

// What each program alone counts: when the kernel refuses one, the rest
// run and these are the numbers nobody makes.
const OptionalPrograms kOptional = {
	{"bw_tcp_probe", "TCP acknowledged bytes and last ACK times, and sockets opened before bpfwatch"},
	{"bw_tcp_sendmsg", "basing sockets opened before bpfwatch at their first send (from their first ACK instead)"},
	{"bw_set_state", "TCP connects, accepts, connect failures with their errno, and closes"},
	{"bw_retransmit", "TCP retransmits"},
	{"bw_send_reset", "TCP resets sent"},
	{"bw_receive_reset", "TCP resets received"},
	{"bw_error_report", "ICMP errors reported to UDP sockets"},
	{"bw_tcp_sample", "live TCP sockets' unacknowledged and unsent bytes"},
	{"bw_egress", "packets that left the host (egress and left-the-host bytes)"},
	{"bw_cgroup_mkdir", "TCP and egress of a restarted container until bpfwatch re-resolves it"},
};

} // namespace

DeliveryProbe::DeliveryProbe(const DeliveryConfig &config)
	: ncpus_(possible_cpus()), skel_(nullptr, delivery_bpf::destroy)
{
	const auto &ids = config.cgroup_ids;
	bool all = ids.empty();
	std::size_t capacity = all ? 0 : std::max(config.slot_capacity, ids.size());
	bool few = !all && capacity <= BW_FEW_SLOTS;
	// cgroup_skb programs load and attach only with CAP_NET_ADMIN: without
	// it, the rest runs.
	bool egress = has_net_admin();
	if (!egress) {
		degraded_.push_back({"bw_egress", kOptional.at("bw_egress"),
				     "bpfwatch lacks CAP_NET_ADMIN, which cgroup_skb programs need", ""});
		log_degraded(degraded_.back());
	}
	auto configure = [&](delivery_bpf &skel) {
		auto *ro = skel.rodata;
		ro->filter_mode = all ? BW_FILTER_ALL : few ? BW_FILTER_FEW : BW_FILTER_MANY;
		ro->filter_slots = capacity;

		auto *maps = &skel.maps;
		std::size_t slots = std::max<std::size_t>(1, capacity);
		int err = bpf_map__set_max_entries(maps->watched_cgroups, slots * TargetSlots::kIdsPerSlot);
		if (!err)
			err = bpf_map__set_max_entries(maps->slot_cgroups, slots);
		if (!err)
			err = bpf_map__set_max_entries(maps->expected_cgroups, slots * 4);
		if (!err)
			err = bpf_map__set_max_entries(maps->tcp_socks, std::max(1u, config.max_sockets));
		if (!err)
			err = bpf_map__set_max_entries(maps->tcp_peers, std::max(1u, config.max_peers));
		if (!err)
			err = bpf_map__set_max_entries(maps->peer_errors, std::max(1u, config.max_errors));
		if (!err)
			err = bpf_map__set_max_entries(maps->egress, std::max(1u, config.max_egress));
		if (err)
			throw Error(errno_message("size the delivery BPF maps", err));
		// Optional (Linux 6.16+): without it a socket older than bpfwatch is
		// based at its first ACK, and what it sent just before that is missed.
		bpf_program__set_autoload(skel.progs.bw_tcp_sendmsg,
					  kernel_has_raw_tracepoint("tcp_sendmsg_locked"));
		// Run on demand (the sampler) or linked per cgroup (egress).
		bpf_program__set_autoattach(skel.progs.bw_tcp_sample, false);
		bpf_program__set_autoattach(skel.progs.bw_egress, false);
		bpf_program__set_autoload(skel.progs.bw_egress, egress);
		bpf_program__set_autoattach(skel.progs.bw_egress_flush, false);
		bpf_program__set_autoload(skel.progs.bw_egress_flush, egress);
		bpf_program__set_autoload(skel.progs.bw_cgroup_mkdir, !all);
	};
	skel_ = load_degrading<delivery_bpf>(configure, kOptional, "the delivery programs", kPrivileges,
					     degraded_);

	auto *maps = &skel_->maps;
	slots_ = TargetSlots(capacity, few,
			     {reinterpret_cast<std::uint64_t *>(skel_->bss->watched_ids), maps->watched_cgroups,
			      maps->slot_cgroups, maps->expected_cgroups});
	for (std::uint64_t id : ids)
		slots_.add(id);
	attach_tracepoints();
	if (bpf_program__fd(skel_->progs.bw_egress) >= 0)
		egress_ = std::make_unique<EgressLinks>(skel_->progs.bw_egress);
	for (const EgressTarget &t : config.egress)
		attach_egress(t);
	spdlog::debug("delivery probe attached: {} cgroup(s), egress at {} cgroup(s), {} program(s) left out",
		      ids.size(), config.egress.size(), degraded_.size());
}

DeliveryProbe::~DeliveryProbe() = default;

void DeliveryProbe::attach_tracepoints()
{
	struct {
		bpf_program *prog;
		bpf_link **link;
	} tps[] = {
		{skel_->progs.bw_tcp_probe, &skel_->links.bw_tcp_probe},
		{skel_->progs.bw_set_state, &skel_->links.bw_set_state},
		{skel_->progs.bw_retransmit, &skel_->links.bw_retransmit},
		{skel_->progs.bw_send_reset, &skel_->links.bw_send_reset},
		{skel_->progs.bw_receive_reset, &skel_->links.bw_receive_reset},
		{skel_->progs.bw_error_report, &skel_->links.bw_error_report},
		{skel_->progs.bw_tcp_sendmsg, &skel_->links.bw_tcp_sendmsg},
		{skel_->progs.bw_cgroup_mkdir, &skel_->links.bw_cgroup_mkdir},
	};
	for (auto &tp : tps)
		if (bpf_program__fd(tp.prog) >= 0) // loaded
			attach_optional(tp.prog, tp.link, kOptional.at(bpf_program__name(tp.prog)), degraded_);
}

int DeliveryProbe::sent_dests_fd() const
{
	return egress_ ? bpf_map__fd(skel_->maps.sent_dests) : -1;
}

void DeliveryProbe::attach_egress(const EgressTarget &target)
{
	if (egress_)
		egress_->attach(target.cgroup_id, target.dir);
}

void DeliveryProbe::detach_egress(std::uint64_t cgroup_id)
{
	if (egress_)
		egress_->detach(cgroup_id);
}

std::vector<std::string> DeliveryProbe::egress_linked_dirs() const
{
	return egress_ ? egress_->linked_dirs() : std::vector<std::string>{};
}

// The sampler is a raw_tp program that is never attached: run through
// BPF_PROG_TEST_RUN (Linux 5.10, commit 1b4d60ec162f), it walks the
// tracked sockets in the kernel, where their struct tcp_sock can be read.
void DeliveryProbe::run_sampler()
{
	__u64 args[1] = {0};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = sizeof(args));
	int fd = bpf_program__fd(skel_->progs.bw_tcp_sample);
	if (fd < 0)
		return; // left out (degraded_ says so)
	int err = bpf_prog_test_run_opts(fd, &opts);
	if (err)
		throw Error(errno_message("run the TCP socket sampler", errno));
}

DeliverySnapshot DeliveryProbe::read()
{
	DeliverySnapshot snap;
	run_sampler();
	snap.taken_ns = monotonic_ns();

	for (const auto &[k, v] : dump_map<bw_peer_key, bw_tcp_peer>(skel_->maps.tcp_peers))
		add_tcp(snap.cgroups[k.cgroup_id][endpoint_of(k.peer)].tcp, v);

	auto socks = dump_map<__u64, bw_tcp_sock>(skel_->maps.tcp_socks);
	for (const auto &[addr, s] : socks) {
		TcpDelivery &t = snap.cgroups[s.key.cgroup_id][endpoint_of(s.key.peer)].tcp;
		t.live_sockets += 1;
		if (s.flags & BW_TSK_BASED) {
			t.unacked += s.unacked;
			t.unsent += s.unsent;
		}
		t.last_ack_ns = std::max<std::uint64_t>(t.last_ack_ns, s.last_ack_ns);
	}

	for (const auto &[k, n] : dump_map<bw_error_key, __u64>(skel_->maps.peer_errors)) {
		PeerDelivery &p = snap.cgroups[k.key.cgroup_id][endpoint_of(k.key.peer)];
		int err = static_cast<int>(k.err);
		switch (k.phase) {
		case BW_ERR_CONNECT:
			p.tcp.connect_errors[err] += n;
			break;
		case BW_ERR_CLOSE:
			p.tcp.close_errors[err] += n;
			break;
		case BW_ERR_ICMP:
			p.icmp_errors[err] += n;
			break;
		default:
			break;
		}
	}

	flush_egress();
	for (const auto &[k, v] : dump_map<bw_peer_key, bw_egress>(skel_->maps.egress)) {
		EgressCount &e = snap.cgroups[k.cgroup_id][endpoint_of(k.peer)].egress;
		e.packets += v.packets;
		e.bytes += v.bytes;
	}
	snap.stats = read_counters();
	snap.stats.tracked_sockets = socks.size();
	return snap;
}

DeliveryStats DeliveryProbe::read_stats() const
{
	DeliveryStats stats = read_counters();
	stats.tracked_sockets = dump_map<__u64, bw_tcp_sock>(skel_->maps.tcp_socks).size();
	return stats;
}

DeliveryStats DeliveryProbe::read_counters() const
{
	DeliveryStats stats;
	auto sum = [&](std::uint32_t slot) {
		std::uint64_t total = 0;
		for (std::uint64_t v : percpu_values<std::uint64_t>(bpf_map__fd(skel_->maps.dstats), &slot, ncpus_))
			total += v;
		return total;
	};
	stats.sockets_full = sum(BW_DSTAT_SOCKS_FULL);
	stats.peers_full = sum(BW_DSTAT_PEERS_FULL);
	stats.errors_full = sum(BW_DSTAT_ERRORS_FULL);
	stats.egress_full = sum(BW_DSTAT_EGRESS_FULL);
	stats.stale = sum(BW_DSTAT_STALE);
	return stats;
}

// Each CPU folds the egress count it holds for its last destination into
// the hash (bpf/egress.bpf.h). A CPU that stays busy keeps its count for
// the next read: late, never lost.
void DeliveryProbe::flush_egress()
{
	int fd = bpf_program__fd(skel_->progs.bw_egress_flush);
	if (!egress_ || fd < 0)
		return;
	for (int cpu = 0; cpu < ncpus_; cpu++)
		run_on_cpu(fd, cpu, 1000, nullptr, "fold the egress counts");
}

void DeliveryProbe::forget_cgroup(std::uint64_t cgroup_id)
{
	// Else a CPU's slot would bring the gone cgroup's entry back.
	flush_egress();
	delete_cgroup<bw_peer_key>(skel_->maps.tcp_peers, cgroup_id);
	delete_cgroup<bw_error_key>(skel_->maps.peer_errors, cgroup_id);
	delete_cgroup<bw_peer_key>(skel_->maps.egress, cgroup_id);
}

std::uint64_t DeliveryProbe::kernel_memory_bytes() const
{
	return maps_memlock_bytes(skel_->obj);
}

std::vector<ProgramCost> DeliveryProbe::program_costs() const
{
	return bpfwatch::program_costs(skel_->obj);
}

} // namespace bpfwatch

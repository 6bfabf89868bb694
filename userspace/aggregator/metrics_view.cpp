// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "aggregator/metrics_view.h"

#include <netinet/in.h>

#include <algorithm>
#include <bit>
#include <utility>

#include "aggregator/delivery_view.h"
#include "targets/orchestration.h"

namespace bpfwatch {
namespace {

// The remote side of connections the container accepted, and nothing
// else: a client's address and ephemeral port.
bool accepted_peer(const TargetReport &tr, const Endpoint &ep)
{
	auto it = tr.window.delivery.find(ep);
	if (it == tr.window.delivery.end())
		return false;
	const TcpDelivery &t = it->second.tcp;
	return t.accepts > 0 && t.connect_attempts == 0;
}

void add_counts(ContainerMetrics &m, const TargetReport &tr)
{
	const Window &w = tr.window;
	m.log_known = m.log_known || tr.log_known;
	for (WriteView v : kAllWriteViews)
		m.counts[static_cast<std::size_t>(v)] += w.view(v);
	for (FdKind k : kAllFdKinds)
		m.input[index_of(k)] += w.input.kind(k);
	for (const auto &[v, d] : w.detail) {
		for (const auto &[err, n] : d.errnos)
			m.errnos[v][err] += n;
		if (size_histogram_exported(v) && d.sizes.total())
			m.sizes[v] += SizeSeries::of(d.sizes);
	}
	m.left_host_bytes += delivery_totals(tr).left_host_bytes;
	m.lost_records += w.lost_events;
	// Two cgroups of one container (restarted while every cgroup is
	// watched) are one life and the next: the later count holds.
	m.restarts = std::max<std::uint64_t>(m.restarts, static_cast<std::uint64_t>(std::max(tr.restarts, 0)));
}

void add_peer(PeerSeries &into, const PeerSeries &p)
{
	into.tcp = into.tcp || p.tcp;
	into.acked_bytes += p.acked_bytes;
	into.retransmits += p.retransmits;
	for (const auto &[err, n] : p.connect_failures)
		into.connect_failures[err] += n;
	into.last_send_ns = std::max(into.last_send_ns, p.last_send_ns);
}

// Biggest first; ties in the order given (label order).
template <class T>
void biggest_first(std::vector<std::pair<std::uint64_t, T>> &v)
{
	std::stable_sort(v.begin(), v.end(), [](const auto &a, const auto &b) { return a.first > b.first; });
}

} // namespace

static_assert(std::all_of(kSizeBounds.begin(), kSizeBounds.end(), [](std::uint64_t b) { return std::has_single_bit(b); }),
	      "every bound is one of the kernel's log2 bucket bounds: the counts stay exact");

bool size_histogram_exported(WriteView v)
{
	return v == WriteView::log || v == WriteView::socket || v == WriteView::file;
}

SizeSeries SizeSeries::of(const Log2Histogram &h)
{
	SizeSeries s;
	s.count = h.total();
	s.sum = h.sum();
	std::uint64_t below = 0;
	std::size_t next = 0;
	for (int k = 0; k < Log2Histogram::kBuckets && next < kSizeBounds.size(); k++) {
		below += h.count(k);
		while (next < kSizeBounds.size() && Log2Histogram::upper_bound(k) == kSizeBounds[next])
			s.cumulative[next++] = below;
	}
	return s;
}

SizeSeries &SizeSeries::operator+=(const SizeSeries &o)
{
	for (std::size_t i = 0; i < cumulative.size(); i++)
		cumulative[i] += o.cumulative[i];
	count += o.count;
	sum += o.sum;
	return *this;
}

std::string_view runtime_label(std::string_view runtime)
{
	if (runtime == "docker" || runtime == "podman" || runtime == "containerd" || runtime == "crio" ||
	    runtime == "cri")
		return runtime;
	if (runtime == "cri-o")
		return "crio";
	return "cgroup";
}

static const std::string kOtherLabel = kOtherDestination;

ContainerLabels container_labels(const Target &t)
{
	return {t.name, std::string(runtime_label(t.runtime)), t.container_id, t.pod, t.pod_namespace,
		t.task.empty() ? "" : ecs_task_id(t.task)};
}

MetricsView MetricsBudget::view(const Report &summary)
{
	begin(summary);
	for (const TargetReport &tr : summary.targets)
		add(tr);
	return finish();
}

void MetricsBudget::begin(const Report &r)
{
	gathered_.clear();
	pending_ = MetricsView{};
	pending_.now_ns = r.now_ns;
	pending_.delivery = r.delivery_stats.has_value();
	pending_.map_full["totals"] = r.stats.totals_full;
	if (r.delivery_stats) {
		pending_.map_full["sockets"] = r.delivery_stats->sockets_full;
		pending_.map_full["peers"] = r.delivery_stats->peers_full;
		pending_.map_full["errors"] = r.delivery_stats->errors_full;
		pending_.map_full["egress"] = r.delivery_stats->egress_full;
	}
	for (const Degraded &d : r.degraded)
		pending_.degraded.insert(d.program);
}

// Targets by their labels: two cgroups can carry the same ones (a
// container restarted while every cgroup is watched), and one label set
// is one series. Each endpoint is spelled once here.
void MetricsBudget::add(const TargetReport &tr)
{
	ContainerLabels labels = container_labels(tr.target);
	Gathered &g = gathered_[labels];
	g.m.labels = std::move(labels);
	add_counts(g.m, tr);
	g.bytes_written += tr.window.total().bytes;
	for (const auto &[ep, stats] : tr.window.destinations) {
		Destination &d = g.destinations[ep.host_port()];
		d.accepted = d.accepted && accepted_peer(tr, ep);
		d.bytes += stats.counts.bytes;
		d.sends[{ep.proto_name(), locality_of(tr, ep).value_or(Locality::unknown)}] += stats.counts.bytes;
		if (stats.last_success_ns) {
			PeerSeries p;
			p.last_send_ns = stats.last_success_ns;
			add_peer(d.peer ? *d.peer : d.peer.emplace(), p);
		}
	}
	// Past the model's own bound: summed under `other`, bytes exact.
	for (const auto &[proto, c] : tr.window.overflow_by_proto)
		g.overflow[proto] += c.bytes;
	g.overflow_records += tr.window.destinations_overflow;
	for (const auto &[ep, pd] : tr.window.delivery) {
		Destination &d = g.destinations[ep.host_port()];
		d.accepted = d.accepted && accepted_peer(tr, ep);
		if (ep.proto != IPPROTO_TCP)
			continue;
		PeerSeries p;
		p.tcp = true;
		p.acked_bytes = pd.tcp.bytes_acked;
		p.retransmits = pd.tcp.retrans_segs;
		p.connect_failures = pd.tcp.connect_errors;
		add_peer(d.peer ? *d.peer : d.peer.emplace(), p);
	}
}

MetricsView MetricsBudget::finish()
{
	// Containers gone from the reports free their places.
	std::erase_if(admitted_, [&](const auto &kv) { return !gathered_.count(kv.first); });
	std::erase_if(left_out_, [&](const ContainerLabels &l) { return !gathered_.count(l); });

	std::vector<std::pair<std::uint64_t, const ContainerLabels *>> newcomers;
	for (const auto &[labels, g] : gathered_)
		if (!admitted_.count(labels))
			newcomers.emplace_back(g.bytes_written, &labels);
	biggest_first(newcomers);
	for (const auto &[bytes, labels] : newcomers) {
		if (admitted_.size() < limits_.containers) {
			admitted_.emplace(*labels, Admitted{});
			left_out_.erase(*labels);
		} else if (left_out_.insert(*labels).second) {
			dropped_++;
		}
	}

	MetricsView v = std::move(pending_);
	for (auto &[labels, g] : gathered_) {
		auto it = admitted_.find(labels);
		if (it == admitted_.end())
			continue;
		fold_destinations(g, it->second);
		if (g.overflow_records > it->second.overflow_records) { // a counter never goes down
			overflow_records_ += g.overflow_records - it->second.overflow_records;
			it->second.overflow_records = g.overflow_records;
		}
		ContainerLabels lives = labels;
		lives.container_id.clear();
		std::uint64_t &restarts = v.restarts[lives];
		restarts = std::max(restarts, g.m.restarts);
		v.containers.push_back(std::move(g.m));
	}
	gathered_.clear();
	pending_ = MetricsView{};
	v.series_dropped = dropped_;
	v.map_full["destinations"] = overflow_records_;
	return v;
}

// Places for newcomers, biggest first; the rest (and accepted peers) go
// to `other`, each counted once in series_dropped.
void MetricsBudget::fold_destinations(Gathered &g, Admitted &adm)
{
	std::vector<std::pair<std::uint64_t, const std::string *>> newcomers;
	for (const auto &[label, d] : g.destinations)
		if (!d.accepted && !adm.own.count(label))
			newcomers.emplace_back(d.bytes, &label);
	biggest_first(newcomers);
	std::size_t folded = 0;
	for (const auto &[bytes, label] : newcomers) {
		if (adm.own.size() < limits_.destinations)
			adm.own.insert(*label);
		else
			folded++;
	}
	if (folded > adm.folded) {
		dropped_ += folded - adm.folded;
		adm.folded = folded;
	}

	std::map<std::tuple<std::string, std::string, Locality>, std::uint64_t> sends;
	std::map<std::string, PeerSeries> peers;
	for (const auto &[label, d] : g.destinations) {
		const std::string &as = adm.own.count(label) ? label : kOtherLabel;
		for (const auto &[proto_where, bytes] : d.sends)
			sends[{as, proto_where.first, proto_where.second}] += bytes;
		if (d.peer)
			add_peer(peers[as], *d.peer);
	}
	for (const auto &[proto, bytes] : g.overflow)
		sends[{kOtherLabel, proto, Locality::unknown}] += bytes;
	ContainerMetrics &m = g.m;
	m.sends.reserve(sends.size());
	for (const auto &[key, bytes] : sends)
		m.sends.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), bytes});
	m.peers.reserve(peers.size());
	for (auto &[label, p] : peers) {
		p.destination = label;
		m.peers.push_back(std::move(p));
	}
}

} // namespace bpfwatch

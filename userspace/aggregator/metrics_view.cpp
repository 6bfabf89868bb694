// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "aggregator/metrics_view.h"

#include <netinet/in.h>

#include <algorithm>
#include <utility>

#include "aggregator/delivery_view.h"

namespace bpfwatch {
namespace {

using Members = std::vector<const TargetReport *>;

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

// Every destination label value of a container's windows: the bytes sent
// to it, and whether each endpoint behind it is an accepted peer.
struct LabelFacts {
	std::uint64_t bytes = 0;
	bool accepted = true;
};

std::map<std::string, LabelFacts> destination_labels(const Members &members)
{
	std::map<std::string, LabelFacts> labels;
	for (const TargetReport *tr : members) {
		for (const auto &[ep, stats] : tr->window.destinations) {
			LabelFacts &f = labels[ep.host_port()];
			f.bytes += stats.counts.bytes;
			f.accepted = f.accepted && accepted_peer(*tr, ep);
		}
		for (const auto &[ep, d] : tr->window.delivery) {
			LabelFacts &f = labels[ep.host_port()];
			f.accepted = f.accepted && accepted_peer(*tr, ep);
		}
	}
	return labels;
}

std::uint64_t bytes_written(const Members &members)
{
	std::uint64_t sum = 0;
	for (const TargetReport *tr : members)
		sum += tr->window.total().bytes;
	return sum;
}

void add_counts(ContainerMetrics &m, const TargetReport &tr)
{
	const Window &w = tr.window;
	m.log_known = m.log_known || tr.log_known;
	for (WriteView v : kAllWriteViews)
		m.counts[static_cast<std::size_t>(v)] += w.view(v);
	for (const auto &[v, d] : w.detail) {
		CallDetail &into = m.detail[v];
		into.sizes.merge(d.sizes);
		for (const auto &[err, n] : d.errnos)
			into.errnos[err] += n;
	}
	m.left_host_bytes += delivery_totals(tr).left_host_bytes;
	m.lost_records += w.lost_events;
	// Two cgroups of one container (restarted while every cgroup is
	// watched) are one life and the next: the later count holds.
	m.restarts = std::max<std::uint64_t>(m.restarts, static_cast<std::uint64_t>(std::max(tr.restarts, 0)));
}

} // namespace

std::string_view runtime_label(std::string_view runtime)
{
	if (runtime == "docker" || runtime == "podman" || runtime == "containerd" || runtime == "crio" ||
	    runtime == "cri")
		return runtime;
	if (runtime == "cri-o")
		return "crio";
	return "cgroup";
}

ContainerLabels container_labels(const Target &t)
{
	return {t.name, std::string(runtime_label(t.runtime)), t.container_id};
}

MetricsView MetricsBudget::view(const Report &r)
{
	MetricsView v;
	v.now_ns = r.now_ns;
	v.delivery = r.delivery_stats.has_value();
	v.map_full["totals"] = r.stats.totals_full;
	if (r.delivery_stats) {
		v.map_full["sockets"] = r.delivery_stats->sockets_full;
		v.map_full["peers"] = r.delivery_stats->peers_full;
		v.map_full["errors"] = r.delivery_stats->errors_full;
		v.map_full["egress"] = r.delivery_stats->egress_full;
	}

	// Targets by their labels: two cgroups can carry the same ones (a
	// container restarted while every cgroup is watched), and one label
	// set is one series.
	std::map<ContainerLabels, Members> by_labels;
	for (const TargetReport &tr : r.targets)
		by_labels[container_labels(tr.target)].push_back(&tr);

	// Containers gone from the reports free their places.
	std::erase_if(admitted_, [&](const auto &kv) { return !by_labels.count(kv.first); });
	std::erase_if(left_out_, [&](const ContainerLabels &l) { return !by_labels.count(l); });

	std::vector<std::pair<std::uint64_t, const ContainerLabels *>> newcomers;
	for (const auto &[labels, members] : by_labels)
		if (!admitted_.count(labels))
			newcomers.emplace_back(bytes_written(members), &labels);
	std::stable_sort(newcomers.begin(), newcomers.end(),
			 [](const auto &a, const auto &b) { return a.first > b.first; });
	for (const auto &[bytes, labels] : newcomers) {
		if (admitted_.size() < limits_.containers) {
			admitted_.emplace(*labels, Admitted{});
			left_out_.erase(*labels);
		} else if (left_out_.insert(*labels).second) {
			dropped_++;
		}
	}

	for (const auto &[labels, members] : by_labels) {
		auto it = admitted_.find(labels);
		if (it == admitted_.end())
			continue;
		v.containers.push_back(container_metrics(labels, members, it->second));
		std::uint64_t &restarts = v.restarts[{labels.container, labels.runtime}];
		restarts = std::max(restarts, v.containers.back().restarts);
	}
	v.series_dropped = dropped_;
	return v;
}

ContainerMetrics MetricsBudget::container_metrics(const ContainerLabels &labels, const Members &members,
						 Admitted &adm)
{
	ContainerMetrics m;
	m.labels = labels;
	for (const TargetReport *tr : members)
		add_counts(m, *tr);

	// Destination label values: places for newcomers, biggest first; the
	// rest (and accepted peers) go to `other`.
	std::map<std::string, LabelFacts> facts = destination_labels(members);
	std::vector<std::pair<std::uint64_t, const std::string *>> newcomers;
	for (const auto &[label, f] : facts)
		if (!f.accepted && !adm.own.count(label))
			newcomers.emplace_back(f.bytes, &label);
	std::stable_sort(newcomers.begin(), newcomers.end(),
			 [](const auto &a, const auto &b) { return a.first > b.first; });
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
	auto label_of = [&](const Endpoint &ep) {
		std::string label = ep.host_port();
		return adm.own.count(label) ? label : std::string(kOtherDestination);
	};

	std::map<std::tuple<std::string, std::string, Locality>, std::uint64_t> sends;
	std::map<std::string, PeerSeries> peers;
	for (const TargetReport *tr : members) {
		for (const auto &[ep, stats] : tr->window.destinations) {
			std::string label = label_of(ep);
			sends[{label, ep.proto_name(), locality_of(*tr, ep).value_or(Locality::unknown)}] +=
				stats.counts.bytes;
			if (stats.last_success_ns) {
				PeerSeries &p = peers[label];
				p.last_send_ns = std::max(p.last_send_ns, stats.last_success_ns);
			}
		}
		for (const auto &[ep, d] : tr->window.delivery) {
			if (ep.proto != IPPROTO_TCP)
				continue;
			PeerSeries &p = peers[label_of(ep)];
			p.tcp = true;
			p.acked_bytes += d.tcp.bytes_acked;
			p.retransmits += d.tcp.retrans_segs;
			for (const auto &[err, n] : d.tcp.connect_errors)
				p.connect_failures[err] += n;
		}
	}
	for (const auto &[key, bytes] : sends)
		m.sends.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), bytes});
	for (auto &[label, p] : peers) {
		p.destination = label;
		m.peers.push_back(std::move(p));
	}
	return m;
}

} // namespace bpfwatch

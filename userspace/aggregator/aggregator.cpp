// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "aggregator/aggregator.h"

#include <cerrno>

#include "aggregator/delivery_delta.h"

#include <algorithm>

namespace bpfwatch {
namespace {

// What records counted in a window, without the kernel's totals.
Window records_of(Window w)
{
	w.by_kind = {};
	w.stdio = {};
	w.log = {};
	w.lost_events = 0;
	w.delivery.clear();
	w.delivery_overflow = 0;
	w.input.by_kind = {};
	return w;
}

// An interval's destinations with the since-start times, and the ones it
// did not reach at all as zero-count rows: the counts stay the interval's.
void carry_last_times(Window &interval, const Window &since_start)
{
	for (const auto &[dest, all] : since_start.destinations) {
		DestinationStats &d = interval.destinations[dest];
		d.last_success_ns = all.last_success_ns;
		d.last_error_ns = all.last_error_ns;
	}
}

// Sources since the start, as zero-count rows of an interval that did not
// read from them, keeping their times: "last read N s ago" stays.
void carry_source_times(InputWindow &interval, const InputWindow &since_start)
{
	for (const auto &[src, all] : since_start.sources) {
		SourceStats &s = interval.sources[src];
		s.last_read_ns = all.last_read_ns;
		s.last_eof_ns = all.last_eof_ns;
	}
}

constexpr std::int64_t kEagain = -EAGAIN;

void add_detail(CallDetail &d, const Record &record)
{
	if (record.ret >= 0)
		d.sizes.add(static_cast<std::uint64_t>(record.ret));
	else
		d.errnos[static_cast<int>(-record.ret)]++;
}

void count_call(Counts &c, const Record &record)
{
	if (record.ret >= 0) {
		c.bytes += static_cast<std::uint64_t>(record.ret);
		c.calls++;
	} else {
		c.errors++;
	}
}

} // namespace

void Aggregator::add(std::uint64_t key, const Record &record, std::uint64_t now_ns)
{
	add_to(total_[key], record, now_ns);
	if (intervals_)
		add_to(interval_[key], record, now_ns);
}

void Aggregator::add_input(InputWindow &w, const Record &record, std::uint64_t now_ns)
{
	w.records++;
	if (record.ret < 0 && record.ret != kEagain)
		w.errnos[static_cast<int>(-record.ret)]++;
	if (record.kind != FdKind::socket)
		return;
	auto it = w.sources.find(record.endpoint);
	if (it == w.sources.end()) {
		if (w.sources.size() >= max_destinations_) {
			w.sources_overflow++;
			return;
		}
		it = w.sources.emplace(record.endpoint, SourceStats{}).first;
	}
	SourceStats &s = it->second;
	if (record.ret > 0) {
		s.counts.bytes += static_cast<std::uint64_t>(record.ret);
		s.counts.calls++;
		s.last_read_ns = now_ns;
	} else if (record.ret == 0) {
		s.counts.calls++;
		if (ends_stream(record)) {
			s.counts.eof++;
			s.last_eof_ns = now_ns;
		}
	} else if (record.ret == kEagain) {
		s.counts.again++;
	} else {
		s.counts.errors++;
		s.errnos[static_cast<int>(-record.ret)]++;
	}
}

void Aggregator::add_to(Window &w, const Record &record, std::uint64_t now_ns)
{
	if (record.input()) {
		add_input(w.input, record, now_ns);
		return;
	}
	w.records++;
	if (record.ret >= 0)
		w.histogram.add(static_cast<std::uint64_t>(record.ret));
	else
		w.errnos[static_cast<int>(-record.ret)]++;
	add_detail(w.detail[view_of(record.kind)], record);
	if (record.stdio)
		add_detail(w.detail[WriteView::stdio], record);
	if (record.log)
		add_detail(w.detail[WriteView::log], record);
	if (record.kind != FdKind::socket)
		return;

	auto it = w.destinations.find(record.endpoint);
	if (it == w.destinations.end()) {
		if (w.destinations.size() >= max_destinations_) {
			w.destinations_overflow++;
			count_call(w.overflow_by_proto[record.endpoint.proto_name()], record);
			return;
		}
		it = w.destinations.emplace(record.endpoint, DestinationStats{}).first;
	}
	DestinationStats &d = it->second;
	count_call(d.counts, record);
	if (record.ret >= 0) {
		d.last_success_ns = now_ns;
	} else {
		d.errnos[static_cast<int>(-record.ret)]++;
		d.last_error_ns = now_ns;
	}
}

void Aggregator::set_totals(const std::map<std::uint64_t, KernelTotals> &totals)
{
	for (const auto &[cgid, t] : totals) {
		Window &all = total_[cgid];
		all.by_kind = t.by_kind;
		all.stdio = t.stdio;
		all.log = t.log;
		all.lost_events = t.lost_records;
		all.input.by_kind = t.in_kind;
		if (!intervals_)
			continue;
		Window &now = interval_[cgid];
		const Window &base = at_roll_[cgid];
		for (std::size_t k = 0; k < kFdKinds; k++) {
			now.by_kind[k] = all.by_kind[k] - base.by_kind[k];
			now.input.by_kind[k] = all.input.by_kind[k] - base.input.by_kind[k];
		}
		now.stdio = all.stdio - base.stdio;
		now.log = all.log - base.log;
		now.lost_events = t.lost_records - base.lost_events;
	}
}

void Aggregator::set_delivery(const std::map<std::uint64_t, PeerMap> &delivery)
{
	for (const auto &[cgid, peers] : delivery) {
		total_[cgid].delivery = peers;
		if (intervals_)
			interval_[cgid].delivery = delivery_since(peers, at_roll_[cgid].delivery);
	}
}

std::map<std::uint64_t, Window> Aggregator::roll_interval()
{
	if (!intervals_)
		return {};
	std::map<std::uint64_t, Window> done;
	done.swap(interval_);
	for (const auto &[cgid, all] : total_) {
		carry_last_times(done[cgid], all);
		carry_source_times(done[cgid].input, all.input);
	}
	for (const auto &[cgid, w] : total_) {
		Window &base = at_roll_[cgid];
		base.by_kind = w.by_kind;
		base.stdio = w.stdio;
		base.log = w.log;
		base.lost_events = w.lost_events;
		base.delivery = w.delivery;
		base.input.by_kind = w.input.by_kind;
	}
	return done;
}

void Aggregator::forget(std::uint64_t cgroup_id)
{
	total_.erase(cgroup_id);
	interval_.erase(cgroup_id);
	at_roll_.erase(cgroup_id);
}

void Aggregator::adopt(std::uint64_t cgroup_id, std::uint64_t key)
{
	if (cgroup_id == key)
		return;
	for (auto *windows : {&total_, &interval_}) {
		auto it = windows->find(cgroup_id);
		if (it == windows->end())
			continue;
		merge((*windows)[key], records_of(std::move(it->second)));
		windows->erase(it);
	}
	at_roll_.erase(cgroup_id);
}

void Aggregator::retire(std::uint64_t cgroup_id)
{
	if (cgroup_id == kRetiredKey || !retired_set_.insert(cgroup_id).second)
		return;
	// The kernel no longer reports it: no interval base is needed. Its
	// last interval window is reported, then rolls away.
	at_roll_.erase(cgroup_id);
	retired_.push_back(cgroup_id);
	while (retired_.size() > max_retired_) {
		std::uint64_t oldest = retired_.front();
		retired_.pop_front();
		retired_set_.erase(oldest);
		if (auto it = total_.find(oldest); it != total_.end()) {
			merge(total_[kRetiredKey], it->second);
			total_.erase(it);
		}
		folded_++;
	}
}

void Aggregator::merge(Window &into, const Window &from) const
{
	for (std::size_t k = 0; k < kFdKinds; k++)
		into.by_kind[k] += from.by_kind[k];
	into.stdio += from.stdio;
	into.log += from.log;
	into.lost_events += from.lost_events;
	into.records += from.records;
	into.histogram.merge(from.histogram);
	for (const auto &[err, n] : from.errnos)
		into.errnos[err] += n;
	for (const auto &[view, d] : from.detail) {
		CallDetail &to = into.detail[view];
		to.sizes.merge(d.sizes);
		for (const auto &[err, n] : d.errnos)
			to.errnos[err] += n;
	}
	for (const auto &[dest, d] : from.destinations) {
		auto it = into.destinations.find(dest);
		if (it == into.destinations.end()) {
			if (into.destinations.size() >= max_destinations_) {
				into.destinations_overflow += d.counts.calls + d.counts.errors;
				into.overflow_by_proto[dest.proto_name()] += d.counts;
				continue;
			}
			it = into.destinations.emplace(dest, DestinationStats{}).first;
		}
		DestinationStats &to = it->second;
		to.counts += d.counts;
		for (const auto &[err, n] : d.errnos)
			to.errnos[err] += n;
		to.last_success_ns = std::max(to.last_success_ns, d.last_success_ns);
		to.last_error_ns = std::max(to.last_error_ns, d.last_error_ns);
	}
	into.destinations_overflow += from.destinations_overflow;
	for (const auto &[proto, c] : from.overflow_by_proto)
		into.overflow_by_proto[proto] += c;
	PeerMap peers;
	for (const auto &[peer, d] : from.delivery) {
		if (into.delivery.count(peer) || into.delivery.size() + peers.size() < max_destinations_)
			peers.emplace(peer, d);
		else
			into.delivery_overflow++;
	}
	into.delivery_overflow += from.delivery_overflow;
	add_delivery(into.delivery, peers);
	merge_input(into.input, from.input);
}

void Aggregator::merge_input(InputWindow &into, const InputWindow &from) const
{
	for (std::size_t k = 0; k < kFdKinds; k++)
		into.by_kind[k] += from.by_kind[k];
	for (const auto &[err, n] : from.errnos)
		into.errnos[err] += n;
	into.records += from.records;
	for (const auto &[src, s] : from.sources) {
		auto it = into.sources.find(src);
		if (it == into.sources.end()) {
			if (into.sources.size() >= max_destinations_) {
				into.sources_overflow += s.counts.calls + s.counts.errors + s.counts.again;
				continue;
			}
			it = into.sources.emplace(src, SourceStats{}).first;
		}
		SourceStats &to = it->second;
		to.counts += s.counts;
		for (const auto &[err, n] : s.errnos)
			to.errnos[err] += n;
		to.last_read_ns = std::max(to.last_read_ns, s.last_read_ns);
		to.last_eof_ns = std::max(to.last_eof_ns, s.last_eof_ns);
	}
	into.sources_overflow += from.sources_overflow;
}

void keep_sizes_since_start(std::map<std::uint64_t, Window> &interval,
			    const std::map<std::uint64_t, Window> &since_start)
{
	for (const auto &[key, all] : since_start) {
		Window &w = interval[key];
		for (auto &[view, d] : w.detail)
			if (!all.detail.count(view))
				d.sizes = Log2Histogram{};
		for (const auto &[view, d] : all.detail)
			w.detail[view].sizes = d.sizes;
	}
}

} // namespace bpfwatch

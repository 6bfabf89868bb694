// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "aggregator/rates.h"

#include <set>

#include "aggregator/delivery_view.h"

namespace bpfwatch {
namespace {

// The input side's exact total; none with --no-input (the live view then
// has no `in` column).
std::optional<std::uint64_t> input_bytes(const Window &w, bool input_counted)
{
	if (!input_counted)
		return std::nullopt;
	return w.input.total().bytes;
}

double per_second(std::uint64_t before, std::uint64_t after, double seconds)
{
	return after >= before ? static_cast<double>(after - before) / seconds : 0.0;
}

} // namespace

RateSample rate_sample(const TargetReport &tr, bool input_counted)
{
	const Window &w = tr.window;
	RateSample s;
	for (FdKind k : kAllFdKinds)
		s.by_kind[index_of(k)] = w.kind(k).bytes;
	s.log = tr.log_known ? w.log.bytes : w.stdio.bytes;
	s.log_from_stdio = !tr.log_known;
	Counts total = w.total();
	s.out = total.bytes;
	s.errors = total.errors;
	s.left_host = delivery_totals(tr).left_host_bytes;
	s.in = input_bytes(w, input_counted);
	return s;
}

TargetRates rates_between(const RateSample &a, const RateSample &b, double seconds)
{
	TargetRates r;
	if (!(seconds > 0))
		return r;
	for (std::size_t k = 0; k < kFdKinds; k++)
		r.by_kind[k] = per_second(a.by_kind[k], b.by_kind[k], seconds);
	r.log = per_second(a.log, b.log, seconds);
	r.log_from_stdio = b.log_from_stdio;
	r.out = per_second(a.out, b.out, seconds);
	r.left_host = per_second(a.left_host, b.left_host, seconds);
	r.errors = per_second(a.errors, b.errors, seconds);
	if (b.in)
		r.in = per_second(a.in.value_or(0), *b.in, seconds);
	return r;
}

void RateTracker::update(const Report &report)
{
	std::set<std::uint64_t> seen;
	for (const TargetReport &tr : report.targets) {
		seen.insert(tr.key);
		RateSample now = rate_sample(tr, report.input);
		auto [it, fresh] = states_.try_emplace(tr.key);
		State &s = it->second;
		if (!fresh && report.now_ns > s.last_ns) {
			s.rates = rates_between(s.last, now, static_cast<double>(report.now_ns - s.last_ns) / 1e9);
			s.out_history.push_back(s.rates->out);
			if (s.out_history.size() > kHistory)
				s.out_history.pop_front();
		}
		s.last = now;
		s.last_ns = report.now_ns;
	}
	std::erase_if(states_, [&](const auto &kv) { return !seen.count(kv.first); });
}

const TargetRates *RateTracker::rates(std::uint64_t key) const
{
	auto it = states_.find(key);
	return it == states_.end() || !it->second.rates ? nullptr : &*it->second.rates;
}

const std::deque<double> &RateTracker::history(std::uint64_t key) const
{
	static const std::deque<double> none;
	auto it = states_.find(key);
	return it == states_.end() ? none : it->second.out_history;
}

} // namespace bpfwatch

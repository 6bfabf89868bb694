// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// JSON lines: one object per line, flushed, for jq and log shippers. Keys
// keep the order they are written in (ordered_json) so lines read the same
// every time; every object has a "type".
#include <sys/socket.h>

#include <cmath>
#include <optional>
#include <ostream>

#include <nlohmann/json.hpp>

#include "aggregator/delivery_view.h"
#include "aggregator/ranking.h"
#include "output/event_fields.h"
#include "output/format.h"
#include "output/output.h"
#include "output/text.h"
#include "output/warnings.h"

namespace bpfwatch {
namespace {

using json = nlohmann::ordered_json;

json counts(const Counts &c)
{
	return {{"bytes", c.bytes}, {"calls", c.calls}, {"errors", c.errors}};
}

json errnos(const std::map<int, std::uint64_t> &by_errno, std::string (*name)(int) = errno_name)
{
	json out = json::object();
	for (const auto &[err, calls] : ranked_errnos(by_errno))
		out[name(err)] = calls;
	return out;
}

// The fields that name a peer, shared by destinations and events. A unix
// peer's "address" is its path; it has no port. "endpoint" is the one
// spelling the table uses too.
json peer(const Endpoint &d)
{
	return {{"proto", d.proto_name()},
		{"family", d.family_name()},
		{"address", d.address()},
		{"port", d.family == AF_UNIX ? 0 : d.port},
		{"endpoint", d.to_string()}};
}

json delivery(const PeerDelivery &d, std::uint64_t now_ns)
{
	const TcpDelivery &t = d.tcp;
	json j = {{"acked_bytes", t.bytes_acked},
		  {"sent_bytes", t.bytes_sent},
		  {"retrans_bytes", t.bytes_retrans},
		  {"unacked_bytes", t.unacked},
		  {"unsent_bytes", t.unsent},
		  {"live_sockets", t.live_sockets},
		  {"retransmits", t.retrans_segs},
		  {"resets_sent", t.resets_sent},
		  {"resets_received", t.resets_received},
		  {"connect_attempts", t.connect_attempts},
		  {"connects", t.connects},
		  {"connect_failures", t.connect_failures},
		  {"connect_errors", errnos(t.connect_errors, connect_error_name)},
		  {"closes", t.closes},
		  {"close_errors", errnos(t.close_errors)},
		  {"icmp_errors", errnos(d.icmp_errors)},
		  {"egress_packets", d.egress.packets},
		  {"egress_bytes", d.egress.bytes}};
	auto ack_age = age_s(t.last_ack_ns, now_ns);
	j["last_ack_age_s"] = ack_age ? json(std::round(*ack_age * 1000) / 1000) : json(nullptr);
	return j;
}

// Where a peer is and what the network did with its bytes, when known.
void add_delivery(json &j, const TargetReport &tr, const Endpoint &p, const PeerDelivery *d, std::uint64_t now_ns)
{
	if (auto where = locality_of(tr, p))
		j["locality"] = to_string(*where);
	if (d)
		j["delivery"] = delivery(*d, now_ns);
}

json destinations(const TargetReport &tr, const Report &report)
{
	json out = json::array();
	for (const auto &[dest, stats] : ranked_destinations(tr.window)) {
		json d = peer(*dest);
		d.update(counts(stats->counts));
		d["errnos"] = errnos(stats->errnos);
		// Since the start, in an interval too: a peer that only failed
		// (or was idle) in it still says when it last took a byte.
		if (auto age = age_s(stats->last_success_ns, report.now_ns))
			d["last_send_age_s"] = std::round(*age * 1000) / 1000;
		if (auto age = age_s(stats->last_error_ns, report.now_ns))
			d["last_error_age_s"] = std::round(*age * 1000) / 1000;
		if (dest->is_ip()) {
			auto it = tr.window.delivery.find(*dest);
			add_delivery(d, tr, *dest, it == tr.window.delivery.end() ? nullptr : &it->second,
				     report.now_ns);
		}
		out.push_back(std::move(d));
	}
	// Peers no send reached, e.g. every connect refused.
	for (const PeerRow &row : delivery_only_rows(tr)) {
		json d = peer(row.peer);
		d.update(counts(Counts{}));
		d["errnos"] = json::object();
		add_delivery(d, tr, row.peer, row.delivery, report.now_ns);
		out.push_back(std::move(d));
	}
	return out;
}

json overflow(const Window &w)
{
	json out = json::object();
	for (const auto &[proto, c] : w.overflow_by_proto)
		out[proto] = counts(c);
	return out;
}

json input_counts(const InputCounts &c)
{
	return {{"bytes", c.bytes}, {"calls", c.calls}, {"errors", c.errors}, {"eof", c.eof}, {"again", c.again}};
}

std::optional<double> age_ms(std::uint64_t then_ns, std::uint64_t now_ns)
{
	auto age = age_s(then_ns, now_ns);
	if (!age)
		return std::nullopt;
	return std::round(*age * 1000) / 1000;
}

// The input side, shaped like the output fields: totals, by_kind, sources
// (like destinations), eof, errors (by errno, EAGAIN aside: `again`).
json input(const TargetReport &tr, const Report &report)
{
	const InputWindow &in = tr.window.input;
	json by_kind = json::object();
	for (FdKind k : kAllFdKinds)
		by_kind[kind_name(k)] = input_counts(in.kind(k));
	json sources = json::array();
	for (const auto &[src, stats] : ranked_sources(in)) {
		json s = peer(*src);
		s.update(input_counts(stats->counts));
		s["errnos"] = errnos(stats->errnos);
		auto read_age = age_ms(stats->last_read_ns, report.now_ns);
		auto eof_age = age_ms(stats->last_eof_ns, report.now_ns);
		s["last_read_age_s"] = read_age ? json(*read_age) : json(nullptr);
		s["last_eof_age_s"] = eof_age ? json(*eof_age) : json(nullptr);
		if (auto where = locality_of(tr, *src))
			s["locality"] = to_string(*where);
		sources.push_back(std::move(s));
	}
	InputCounts total = in.total();
	return {{"totals", input_counts(total)},
		{"by_kind", std::move(by_kind)},
		{"sources", std::move(sources)},
		{"sources_overflow", in.sources_overflow},
		{"eof", total.eof},
		{"again", total.again},
		{"errors", errnos(in.errnos)}};
}

json delivery_summary(const TargetReport &tr)
{
	DeliveryTotals t = delivery_totals(tr);
	return {{"left_host_bytes", t.left_host_bytes},   {"left_host_packets", t.left_host_packets},
		{"acked_bytes", t.acked_bytes},           {"acked_remote_bytes", t.acked_remote_bytes},
		{"unacked_bytes", t.unacked_bytes},       {"retransmits", t.retransmits},
		{"connect_failures", t.connect_failures}};
}

// Buckets from le=1 up to the last non-empty one: a consumer sees the same
// boundaries every time and can sum the prefix it needs.
json histogram(const Log2Histogram &h)
{
	json out = json::array();
	for (int k = 0; k <= h.last_used(); k++)
		out.push_back({{"le", Log2Histogram::upper_bound(k)}, {"count", h.count(k)}});
	return out;
}

// Per view (fd kind, then stdio and log): every kind always, [] when none
// succeeded; log null when the log pipes are not known.
json histograms(const TargetReport &tr)
{
	json out = json::object();
	for (WriteView v : kAllWriteViews) {
		auto it = tr.window.detail.find(v);
		if (v == WriteView::log && !tr.log_known)
			out[write_view_name(v)] = nullptr;
		else
			out[write_view_name(v)] = histogram(it == tr.window.detail.end() ? Log2Histogram{}
										    : it->second.sizes);
	}
	return out;
}

json degraded_entry(const Degraded &d)
{
	return {{"program", d.program}, {"not_covered", d.not_covered}, {"why", d.why}};
}

// What bpfwatch runs without; [] when everything runs.
json degraded(const Report &report)
{
	json out = json::array();
	for (const Degraded &d : report.degraded)
		out.push_back(degraded_entry(d));
	return out;
}

json or_null(const std::string &s)
{
	return s.empty() ? json(nullptr) : json(s);
}

json target_report(const TargetReport &tr, const Report &report)
{
	const Target &t = tr.target;
	const Window &w = tr.window;
	json by_kind = json::object();
	for (FdKind k : kAllFdKinds)
		by_kind[kind_name(k)] = counts(w.kind(k));

	json j = {
		{"type", report.kind == Report::Kind::Summary ? "summary" : "interval"},
		{"container", t.name},
		{"runtime", t.runtime},
		{"container_id", t.container_id},
		// Kubernetes pod and namespace, ECS task ARN; null when none.
		{"pod", or_null(t.pod)},
		{"namespace", or_null(t.pod_namespace)},
		{"task", or_null(t.task)},
		{"cgroup_id", t.cgroup_id},
		{"cgroup_path", t.cgroup_path},
		// A followed target: lives after its first, and whether it runs
		// now; null for a discovered cgroup.
		{"restarts", tr.state.empty() ? json(nullptr) : json(tr.restarts)},
		{"state", tr.state.empty() ? json(nullptr) : json(tr.state)},
		// Milliseconds are all a window's length means; more digits are noise.
		{"duration_s", std::round(report.duration_s * 1000) / 1000},
		{"totals", counts(w.total())},
		{"by_kind", std::move(by_kind)},
		// Calls on fd 1 and 2, also counted in by_kind: stdout and stderr.
		{"stdio", counts(w.stdio)},
		// Into the container's log pipes; null when they are not known.
		{"log", tr.log_known ? counts(w.log) : json(nullptr)},
		{"destinations", destinations(tr, report)},
		// Sends to destinations past the per-container bound (256), not
		// itemised: by protocol; {} when none. With `destinations` they
		// sum to the socket records exactly.
		{"destinations_overflow", overflow(w)},
		// Peers left out of `delivery` when gone cgroups were summed
		// ("gone cgroups", past the bound of those kept apart).
		{"delivery_overflow", w.delivery_overflow},
		{"errors", errnos(w.errnos)},
		{"histogram", histogram(w.histogram)},
		{"histograms", histograms(tr)},
		// A summary's are since the start; an interval's too with
		// --histogram cumulative.
		{"histograms_since_start", report.kind == Report::Kind::Summary || report.sizes_since_start},
		{"lost_events", w.lost_events},
		{"detail_complete", w.detail_complete()},
		// --alert-silence: how long it has been silent; null when it is not
		// (always, without the option).
		{"silent_s", tr.silent_s ? json(std::round(*tr.silent_s * 1000) / 1000) : json(nullptr)},
		{"degraded", degraded(report)},
	};
	// What it read and received; null with --no-input.
	j["input"] = report.input ? input(tr, report) : json(nullptr);
	if (report.delivery_stats)
		j["delivery"] = delivery_summary(tr);
	if (!tr.note.empty())
		j["note"] = tr.note;
	return j;
}

class JsonOutput : public Output {
public:
	// The options only shape the table: JSON always carries every
	// destination and the histogram, for the consumer to cut.
	explicit JsonOutput(std::ostream &out) : out_(out) {}

	void report(const Report &report) override
	{
		for (const Warning &w : report_warnings(report)) {
			json j = {{"type", "warning"}, {"kind", w.kind}, {"count", w.count}, {"message", w.message}};
			if (w.kind == "totals_full")
				j["calls_not_counted"] = w.count; // the name this field first had
			line(j);
		}
		for (const TargetReport &tr : report.targets)
			line(target_report(tr, report));
	}

	void record(const Record &event, const Target &target) override
	{
		json j = {
			{"type", "event"},
			{"ts_ns", event.ts_ns},
			{"container", target.name},
			{"cgroup_id", event.cgroup_id},
			{"pid", event.pid},
			{"tid", event.tid},
			{"comm", record_comm(event)},
			{"syscall", syscall_name(event.syscall)},
			{"kind", kind_name(event.kind)},
			{"fd", event.fd},
		};
		if (event.ret >= 0)
			j["bytes"] = event.ret;
		else
			j["errno"] = errno_name(static_cast<int>(-event.ret));
		if (auto dest = record_destination(event))
			j["destination"] = peer(*dest);
		line(j, false);
	}

	void notice(const std::string &kind, const Target &target, const std::string &message) override
	{
		line({{"type", "notice"}, {"kind", kind}, {"container", target.name}, {"message", message}});
	}

	void degraded(const Degraded &d) override
	{
		json j = {{"type", "notice"}, {"kind", "degraded"}};
		j.update(degraded_entry(d));
		j["message"] = degraded_message(d);
		line(j);
	}

	void alert(const SilenceAlert &a, const Target &target) override
	{
		line({{"type", "alert"},
		      {"alert", "silence"},
		      {"container", target.name},
		      {"cgroup_id", a.cgroup_id},
		      {"silent_s", std::round(a.silent_s * 1000) / 1000},
		      {"written_bytes", a.written_bytes},
		      {"received_bytes", a.received_bytes},
		      {"socket_errors", a.socket_errors},
		      // Sent meanwhile, never acknowledged: the peer does not answer.
		      {"unacked_sent_bytes", a.sent_bytes},
		      {"retransmits", a.retransmits}});
	}

	void flush() override { out_.flush(); }

private:
	void line(const json &j, bool flush = true)
	{
		// Names and paths come from the system and may not be UTF-8:
		// replace such bytes rather than throw in the middle of a run.
		out_ << j.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
		if (flush)
			out_.flush();
	}

	std::ostream &out_;
};

} // namespace

std::unique_ptr<Output> make_json_output(std::ostream &out)
{
	return std::make_unique<JsonOutput>(out);
}

} // namespace bpfwatch

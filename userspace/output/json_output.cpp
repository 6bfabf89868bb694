// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// JSON lines: one object per line, flushed, for jq and log shippers. Keys
// keep the order they are written in (ordered_json) so lines read the same
// every time; every object has a "type".
#include <sys/socket.h>

#include <cmath>
#include <ostream>

#include <nlohmann/json.hpp>

#include "output/event_fields.h"
#include "output/format.h"
#include "output/ranking.h"
#include "output/report.h"
#include "output/text.h"

namespace bpfwatch {
namespace {

using json = nlohmann::ordered_json;

json counts(const Counts &c)
{
	return {{"bytes", c.bytes}, {"calls", c.calls}, {"errors", c.errors}};
}

json errnos(const std::map<int, std::uint64_t> &by_errno)
{
	json out = json::object();
	for (const auto &[err, calls] : ranked_errnos(by_errno))
		out[errno_name(err)] = calls;
	return out;
}

// The fields that name a peer, shared by destinations and events. A unix
// peer's "address" is its path; it has no port.
json peer(const Destination &d)
{
	return {{"proto", d.proto_name()},
		{"family", d.family_name()},
		{"address", d.address()},
		{"port", d.family == AF_UNIX ? 0 : d.port}};
}

json destinations(const Window &w)
{
	json out = json::array();
	for (const auto &[dest, stats] : ranked_destinations(w)) {
		json d = peer(*dest);
		d.update(counts(stats->counts));
		d["errnos"] = errnos(stats->errnos);
		out.push_back(std::move(d));
	}
	return out;
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

json target_report(const TargetReport &tr, const Report &report)
{
	const Target &t = tr.target;
	const Window &w = tr.window;
	json by_kind = json::object();
	for (unsigned k = 0; k < BW_KIND_MAX; k++)
		by_kind[kind_name(k)] = counts(w.by_kind[k]);

	json j = {
		{"type", report.kind == Report::Kind::Summary ? "summary" : "interval"},
		{"container", t.name},
		{"runtime", t.runtime},
		{"container_id", t.container_id},
		{"cgroup_id", t.cgroup_id},
		{"cgroup_path", t.cgroup_path},
		// Milliseconds are all a window's length means; more digits are noise.
		{"duration_s", std::round(report.duration_s * 1000) / 1000},
		{"totals", counts(w.total())},
		{"by_kind", std::move(by_kind)},
		// Calls on fd 1 and 2, also counted in by_kind: stdout and stderr.
		{"stdio", counts(w.stdio)},
		{"destinations", destinations(w)},
		{"errors", errnos(w.errnos)},
		{"histogram", histogram(w.histogram)},
		{"lost_events", w.lost_events},
		{"detail_complete", w.detail_complete()},
	};
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
		if (report.stats.totals_full)
			line({{"type", "warning"},
			      {"kind", "totals_full"},
			      {"calls_not_counted", report.stats.totals_full},
			      {"message", "the kernel's totals map is full: some cgroups are not counted"}});
		for (const TargetReport &tr : report.targets)
			line(target_report(tr, report));
	}

	void event(const bw_event &event, const Target &target) override
	{
		json j = {
			{"type", "event"},
			{"ts_ns", event.ts_ns},
			{"container", target.name},
			{"cgroup_id", event.cgroup_id},
			{"pid", event.pid},
			{"tid", event.tid},
			{"comm", event_comm(event)},
			{"syscall", syscall_name(event.syscall)},
			{"kind", kind_name(event.kind)},
			{"fd", event.fd},
		};
		if (event.ret >= 0)
			j["bytes"] = event.ret;
		else
			j["errno"] = errno_name(static_cast<int>(-event.ret));
		if (auto dest = event_destination(event))
			j["destination"] = peer(*dest);
		line(j, false);
	}

	void notice(const std::string &kind, const Target &target, const std::string &message) override
	{
		line({{"type", "notice"}, {"kind", kind}, {"container", target.name}, {"message", message}});
	}

	void alert(const SilenceAlert &a, const Target &target) override
	{
		line({{"type", "alert"},
		      {"alert", "silence"},
		      {"container", target.name},
		      {"cgroup_id", a.cgroup_id},
		      {"silent_s", std::round(a.silent_s * 1000) / 1000},
		      {"written_bytes", a.written_bytes},
		      {"socket_errors", a.socket_errors}});
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

std::unique_ptr<Output> make_json_output(std::ostream &out, const OutputOptions & /*options*/)
{
	return std::make_unique<JsonOutput>(out);
}

} // namespace bpfwatch

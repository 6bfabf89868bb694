// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Family by family, in deploy/metrics.md's order: the format wants every
// line of a family together, so each family walks every container. Text
// goes out in pieces of about 64 KiB: 1000 containers make megabytes, and
// a scrape should not hold them all at once.
#include "output/prometheus.h"

#include <fmt/format.h>

#include <charconv>
#include <initializer_list>
#include <iterator>

#include "aggregator/delivery_view.h"
#include "util/errno_name.h"

namespace bpfwatch {
namespace {

struct Family {
	const char *name;
	const char *type;
	const char *help;
};

// The HELP texts say what deploy/metrics.md says, shorter.
constexpr Family kWriteBytes{"bpfwatch_write_bytes_total", "counter",
			     "Bytes of successful write-side calls (write, writev, pwrite*, send*, sendfile64) by what "
			     "the fd is; log and stdio count calls again, never sum over kind."};
constexpr Family kWriteCalls{"bpfwatch_write_calls_total", "counter", "Successful write-side calls."};
constexpr Family kWriteErrors{"bpfwatch_write_errors_total", "counter",
			      "Write-side calls that returned -errno, from the records (short by lost records)."};
constexpr Family kWriteSize{"bpfwatch_write_size_bytes", "histogram",
			    "Bytes per successful write-side call to the log, sockets and files; buckets 4x apart, "
			    "_sum exact."};
constexpr Family kReadBytes{"bpfwatch_read_bytes_total", "counter", "Bytes of successful read-side calls."};
constexpr Family kSendBytes{"bpfwatch_send_bytes_total", "counter",
			    "Socket bytes sent to each destination (successful calls)."};
constexpr Family kAckedBytes{"bpfwatch_acked_bytes_total", "counter", "TCP data bytes the peer acknowledged."};
constexpr Family kLeftHost{"bpfwatch_left_host_bytes_total", "counter",
			   "Bytes of IP packets sent to remote peers, counted at the container's cgroup egress "
			   "(headers and retransmits included)."};
constexpr Family kRetransmits{"bpfwatch_retransmits_total", "counter", "TCP segments retransmitted."};
constexpr Family kConnectFailures{"bpfwatch_connect_failures_total", "counter", "TCP connects that failed, by errno."};
constexpr Family kLastSend{"bpfwatch_last_send_timestamp_seconds", "gauge",
			   "Unix time of the last successful send to the destination."};
constexpr Family kRestarts{"bpfwatch_container_restarts_total", "counter",
			   "Times the container came back with a new cgroup while watched."};
constexpr Family kLostRecords{"bpfwatch_lost_records_total", "counter",
			      "Records the ring buffer had no room for; byte and call totals stay exact."};
constexpr Family kUp{"bpfwatch_up", "gauge", "1 while the probes are attached and the watch loop runs."};
constexpr Family kBuildInfo{"bpfwatch_build_info", "gauge", "bpfwatch's version and syscall probe build; always 1."};
constexpr Family kMapFull{"bpfwatch_map_full_total", "counter",
			  "Times a bounded kernel map was full: something was not counted."};
constexpr Family kDegraded{"bpfwatch_degraded", "gauge",
			   "1 for each BPF program bpfwatch runs without (the kernel refused it, or a capability "
			   "is missing): what it counts is missing, not zero."};
constexpr Family kCpu{"bpfwatch_process_cpu_seconds_total", "counter", "bpfwatch's own CPU time, user + system."};
constexpr Family kRss{"bpfwatch_process_resident_memory_bytes", "gauge",
		      "bpfwatch's resident memory (its BPF maps are kernel memory, not in here)."};
constexpr Family kBpfRunTime{"bpfwatch_bpf_run_time_seconds_total", "counter",
			     "Time the kernel spent in each bpfwatch BPF program (while kernel.bpf_stats_enabled=1)."};
constexpr Family kDropped{"bpfwatch_series_dropped_total", "counter",
			  "Destinations summed into destination=\"other\" and containers left out by the "
			  "exporter's caps, each once."};

const char *view_name(WriteView v)
{
	switch (v) {
	case WriteView::pipe:
		return "pipe";
	case WriteView::file:
		return "file";
	case WriteView::socket:
		return "socket";
	case WriteView::tty:
		return "tty";
	case WriteView::other:
		return "other";
	case WriteView::stdio:
		return "stdio";
	case WriteView::log:
		return "log";
	}
	return "other";
}

std::string escape_help(std::string_view text)
{
	std::string out;
	for (char c : text) {
		if (c == '\\')
			out += "\\\\";
		else if (c == '\n')
			out += "\\n";
		else
			out += c;
	}
	return out;
}

// The one place that writes a container's labels. pod, namespace and task
// only where there is one: an empty label is no label to Prometheus.
std::string container_prefix(const ContainerLabels &l, bool with_id)
{
	std::string out = "container=\"" + escape_label_value(l.container) + "\",runtime=\"" +
			  escape_label_value(l.runtime) + "\"";
	if (with_id)
		out += ",container_id=\"" + escape_label_value(l.container_id) + "\"";
	const std::pair<const char *, const std::string *> more[] = {
		{"pod", &l.pod}, {"namespace", &l.pod_namespace}, {"task", &l.task}};
	for (const auto &[key, value] : more)
		if (!value->empty())
			out += std::string(",") + key + "=\"" + escape_label_value(*value) + "\"";
	return out;
}

bool needs_escape(std::string_view v)
{
	return v.find_first_of("\\\"\n") != std::string_view::npos;
}

void append_escaped(std::string &out, std::string_view v)
{
	if (!needs_escape(v)) {
		out += v;
		return;
	}
	for (char c : v) {
		if (c == '\\')
			out += "\\\\";
		else if (c == '"')
			out += "\\\"";
		else if (c == '\n')
			out += "\\n";
		else
			out += c;
	}
}

// A label after the container's: key="value", value escaped here.
struct Label {
	std::string_view key, value;
};

// Lines go straight into a 64 KiB buffer: a scrape of 1000 containers is
// ~60k lines, and a temporary string per line would cost more than the
// formatting.
class Writer {
public:
	explicit Writer(const MetricsSink &sink) : sink_(sink) { buf_.reserve(kChunk + 4096); }

	void family(const Family &f)
	{
		fmt::format_to(std::back_inserter(buf_), "# HELP {} {}\n# TYPE {} {}\n", f.name, escape_help(f.help),
			       f.name, f.type);
	}
	// name{prefix,key="value",...} value; prefix already escaped.
	template <class V>
	void sample(std::string_view name, std::string_view prefix, std::initializer_list<Label> labels, V value)
	{
		buf_ += name;
		if (!prefix.empty() || labels.size()) {
			buf_ += '{';
			buf_ += prefix;
			bool first = prefix.empty();
			for (const Label &l : labels) {
				if (!first)
					buf_ += ',';
				first = false;
				buf_ += l.key;
				buf_ += "=\"";
				append_escaped(buf_, l.value);
				buf_ += '"';
			}
			buf_ += '}';
		}
		buf_ += ' ';
		append_value(value);
		buf_ += '\n';
		if (buf_.size() >= kChunk)
			flush();
	}
	void flush()
	{
		if (ok_ && !buf_.empty())
			ok_ = sink_(buf_);
		buf_.clear();
	}

private:
	static constexpr std::size_t kChunk = 64 * 1024;

	void append_value(std::uint64_t v)
	{
		char tmp[24];
		auto r = std::to_chars(tmp, tmp + sizeof(tmp), v);
		buf_.append(tmp, r.ptr);
	}
	void append_value(int v) { append_value(static_cast<std::uint64_t>(v)); }
	void append_value(double v) { fmt::format_to(std::back_inserter(buf_), "{}", v); }
	// A value formatted already (a timestamp with millisecond precision).
	void append_value(std::string_view v) { buf_ += v; }

	const MetricsSink &sink_;
	std::string buf_;
	bool ok_ = true;
};

// Each container's label prefixes, escaped once per scrape.
struct Prefixed {
	const ContainerMetrics *m;
	std::string labels; // container, runtime, container_id
};

bool exported(const ContainerMetrics &m, WriteView v)
{
	// The log view is there whenever its pipes are known: "wrote nothing
	// to its log" is a value, not an absence.
	return m.view(v).any() || (v == WriteView::log && m.log_known);
}

const std::array<std::string, kSizeBounds.size()> &bound_labels()
{
	static const auto labels = [] {
		std::array<std::string, kSizeBounds.size()> out;
		for (std::size_t i = 0; i < kSizeBounds.size(); i++)
			out[i] = std::to_string(kSizeBounds[i]);
		return out;
	}();
	return labels;
}

void write_side(Writer &w, const std::vector<Prefixed> &cs)
{
	w.family(kWriteBytes);
	for (const auto &[m, labels] : cs)
		for (WriteView v : kAllWriteViews)
			if (exported(*m, v))
				w.sample(kWriteBytes.name, labels, {{"kind", view_name(v)}}, m->view(v).bytes);
	w.family(kWriteCalls);
	for (const auto &[m, labels] : cs)
		for (WriteView v : kAllWriteViews)
			if (exported(*m, v))
				w.sample(kWriteCalls.name, labels, {{"kind", view_name(v)}}, m->view(v).calls);
	w.family(kWriteErrors);
	for (const auto &[m, labels] : cs)
		for (const auto &[v, errnos] : m->errnos)
			for (const auto &[err, n] : errnos)
				w.sample(kWriteErrors.name, labels, {{"kind", view_name(v)}, {"errno", errno_name(err)}}, n);
	w.family(kWriteSize);
	for (const auto &[m, labels] : cs)
		for (const auto &[v, s] : m->sizes) {
			const char *kind = view_name(v);
			for (std::size_t i = 0; i < kSizeBounds.size(); i++)
				w.sample("bpfwatch_write_size_bytes_bucket", labels,
					 {{"kind", kind}, {"le", bound_labels()[i]}}, s.cumulative[i]);
			w.sample("bpfwatch_write_size_bytes_bucket", labels, {{"kind", kind}, {"le", "+Inf"}}, s.count);
			w.sample("bpfwatch_write_size_bytes_sum", labels, {{"kind", kind}}, s.sum);
			w.sample("bpfwatch_write_size_bytes_count", labels, {{"kind", kind}}, s.count);
		}
	// The input side: a kind once it read anything (none with --no-input).
	w.family(kReadBytes);
	for (const auto &[m, labels] : cs)
		for (FdKind k : kAllFdKinds)
			if (m->input[index_of(k)].any())
				w.sample(kReadBytes.name, labels, {{"kind", view_name(view_of(k))}},
					 m->input[index_of(k)].bytes);
}

void destinations(Writer &w, const std::vector<Prefixed> &cs, const MetricsSnapshot &snap)
{
	w.family(kSendBytes);
	for (const auto &[m, labels] : cs)
		for (const SendSeries &s : m->sends)
			w.sample(kSendBytes.name, labels,
				 {{"destination", s.destination}, {"proto", s.proto}, {"locality", to_string(s.locality)}},
				 s.bytes);
	w.family(kAckedBytes);
	for (const auto &[m, labels] : cs)
		for (const PeerSeries &p : m->peers)
			if (p.tcp)
				w.sample(kAckedBytes.name, labels, {{"destination", p.destination}}, p.acked_bytes);
	w.family(kLeftHost);
	if (snap.view.delivery)
		for (const auto &[m, labels] : cs)
			w.sample(kLeftHost.name, labels, {}, m->left_host_bytes);
	w.family(kRetransmits);
	for (const auto &[m, labels] : cs)
		for (const PeerSeries &p : m->peers)
			if (p.tcp)
				w.sample(kRetransmits.name, labels, {{"destination", p.destination}}, p.retransmits);
	w.family(kConnectFailures);
	for (const auto &[m, labels] : cs)
		for (const PeerSeries &p : m->peers)
			for (const auto &[err, n] : p.connect_failures)
				w.sample(kConnectFailures.name, labels,
					 {{"destination", p.destination}, {"errno", connect_error_name(err)}}, n);
	// CLOCK_MONOTONIC to unix time, through the pair taken at publish.
	w.family(kLastSend);
	for (const auto &[m, labels] : cs)
		for (const PeerSeries &p : m->peers)
			if (auto age = age_s(p.last_send_ns, snap.view.now_ns)) {
				char when[32];
				auto r = fmt::format_to_n(when, sizeof(when), "{:.3f}", snap.unix_s - *age);
				w.sample(kLastSend.name, labels, {{"destination", p.destination}},
					 std::string_view(when, r.size));
			}
}

void per_container(Writer &w, const std::vector<Prefixed> &cs, const MetricsSnapshot &snap)
{
	w.family(kRestarts);
	for (const auto &[key, n] : snap.view.restarts)
		w.sample(kRestarts.name, container_prefix(key, false), {}, n);
	w.family(kLostRecords);
	for (const auto &[m, labels] : cs)
		w.sample(kLostRecords.name, labels, {}, m->lost_records);
}

void self(Writer &w, const MetricsSnapshot *snap, const ScrapeFacts &facts)
{
	w.family(kUp);
	w.sample(kUp.name, "", {}, facts.up ? 1 : 0);
	w.family(kBuildInfo);
	if (snap && !snap->probe_build.empty())
		w.sample(kBuildInfo.name, "", {{"version", BPFWATCH_VERSION}, {"probe_build", snap->probe_build}}, 1);
	w.family(kMapFull);
	if (snap)
		for (const auto &[map, n] : snap->view.map_full)
			w.sample(kMapFull.name, "", {{"map", map}}, n);
	w.family(kDegraded);
	if (snap)
		for (const std::string &program : snap->view.degraded)
			w.sample(kDegraded.name, "", {{"program", program}}, 1);
	w.family(kCpu);
	w.sample(kCpu.name, "", {}, facts.cpu_seconds);
	w.family(kRss);
	if (facts.resident_bytes)
		w.sample(kRss.name, "", {}, *facts.resident_bytes);
	w.family(kBpfRunTime);
	if (snap && snap->program_costs)
		for (const ProgramCost &c : *snap->program_costs)
			w.sample(kBpfRunTime.name, "", {{"program", c.name}}, static_cast<double>(c.run_time_ns) / 1e9);
	w.family(kDropped);
	w.sample(kDropped.name, "", {}, snap ? snap->view.series_dropped : std::uint64_t(0));
}

} // namespace

std::string escape_label_value(std::string_view value)
{
	std::string out;
	out.reserve(value.size());
	append_escaped(out, value);
	return out;
}

void render_prometheus(const MetricsSnapshot *snap, const ScrapeFacts &facts, const MetricsSink &sink)
{
	static const MetricsSnapshot kEmpty;
	const MetricsSnapshot &s = snap ? *snap : kEmpty;
	std::vector<Prefixed> cs;
	cs.reserve(s.view.containers.size());
	for (const ContainerMetrics &m : s.view.containers)
		cs.push_back({&m, container_prefix(m.labels, true)});

	Writer w(sink);
	write_side(w, cs);
	destinations(w, cs, s);
	per_container(w, cs, s);
	self(w, snap, facts);
	w.flush();
}

std::string render_prometheus(const MetricsSnapshot *snapshot, const ScrapeFacts &facts)
{
	std::string out;
	render_prometheus(snapshot, facts, [&](std::string_view piece) {
		out += piece;
		return true;
	});
	return out;
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "output/check_output.h"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "aggregator/delivery_view.h"
#include "output/format.h"
#include "output/text.h"

namespace bpfwatch {
namespace {

using json = nlohmann::ordered_json;

// The most frequent failure: "37 × ECONNREFUSED".
std::string top_error(const CheckResult &r)
{
	std::string name;
	std::uint64_t most = 0;
	for (const auto &[err, n] : r.errors)
		if (n > most) {
			name = err;
			most = n;
		}
	return most ? fmt::format("{} × {}", most, name) : "";
}

std::string peer_list(const std::vector<Endpoint> &peers)
{
	std::string out;
	for (std::size_t i = 0; i < peers.size() && i < 3; i++)
		out += (i ? ", " : "") + peers[i].to_string();
	if (peers.size() > 3)
		out += fmt::format(" and {} more", peers.size() - 3);
	return out;
}

void print(std::ostream &out, const json &j)
{
	out << j.dump(-1, ' ', false, json::error_handler_t::replace) << std::endl;
}

std::string source_text(const InputSummary &in)
{
	if (!in.source)
		return "";
	std::string where = in.source->host_port();
	return " from " + printable(where.empty() ? in.source->to_string() : where);
}

// Which half failed, as the reason's last clause: the input flowed and
// nothing got out (the sender is stuck), or the input ended or never came
// (upstream died). Nothing to add for a producer that read nothing.
std::string half_text(const CheckResult &r)
{
	// Bytes sent to this host's peers, or to ones it cannot place: the
	// reason says so already, and the input has nothing to add.
	if (r.failed_half == FailedHalf::none || !r.input || r.finding == Finding::stayed_on_host ||
	    r.finding == Finding::locality_unknown)
		return "";
	const InputSummary &in = *r.input;
	switch (in.state) {
	case InputState::flowing:
		return fmt::format("; input flowing ({} in{}): the output half is stuck", format_bytes(in.bytes),
				   source_text(in));
	case InputState::ended:
		return fmt::format("; input ended ({} × EOF{}, after {} in): the input half failed, upstream ended",
				   in.eof, source_text(in), format_bytes(in.bytes));
	case InputState::absent:
		if (r.failed_half == FailedHalf::input)
			return "; no input (nothing read or received): the input half failed";
		break;
	}
	return "";
}

std::string verdict_text(const CheckResult &r);

} // namespace

std::string check_reason(const CheckResult &r)
{
	return verdict_text(r) + half_text(r);
}

namespace {

std::string verdict_text(const CheckResult &r)
{
	std::string to = printable(peer_list(r.remote_peers.empty() ? r.peers : r.remote_peers));
	switch (r.finding) {
	case Finding::acknowledged:
		return fmt::format("OK: {} to {}, {} acknowledged", format_bytes(r.sent_remote_bytes), to,
				   format_bytes(r.acked_bytes));
	case Finding::left_unconfirmed:
		if (r.tcp_remote_bytes && !r.require_ack)
			return fmt::format("OK (unconfirmed): {} to {} left the host, {} acknowledged "
					   "(--no-require-ack)",
					   format_bytes(r.sent_remote_bytes), to, format_bytes(r.acked_bytes));
		return fmt::format("OK (unconfirmed): {} to {} left the host; nothing acknowledges "
				   "datagrams, so delivery is unconfirmed",
				   format_bytes(r.sent_remote_bytes), to);
	case Finding::left_unacked:
		return fmt::format("FAIL: sent {} to {}, {} acknowledged, {} retransmits: {}",
				   format_bytes(r.sent_remote_bytes), to, format_bytes(r.acked_bytes), r.retransmits,
				   r.acked_bytes ? fmt::format("less than the {} B required", r.min_bytes)
						 : std::string("the peer does not answer"));
	case Finding::stayed_on_host:
		return fmt::format("FAIL: {} sent, none of it left the host ({} {} on this host)",
				   format_bytes(r.sent_bytes), to, r.peers.size() == 1 ? "is" : "are");
	case Finding::locality_unknown:
		return fmt::format("FAIL: {} sent to {}, but whether it left the host is unknown: this "
				   "host's addresses or routes could not be read",
				   format_bytes(r.sent_bytes), to);
	case Finding::sends_failed:
	case Finding::nothing_sent: {
		std::string errors = top_error(r);
		return fmt::format("FAIL: {} written to stdout, {} sent{}", format_bytes(r.stdout_bytes),
				   format_bytes(r.sent_bytes), errors.empty() ? "" : "; " + errors + " to " + to);
	}
	case Finding::egress_unseen:
		return fmt::format("UNKNOWN: sent {} to {}, {} acknowledged, and whether any of it left the host "
				   "cannot be seen: {}",
				   format_bytes(r.sent_remote_bytes), to, format_bytes(r.acked_bytes), r.egress_unseen);
	case Finding::no_activity:
		break;
	}
	return fmt::format("SILENT: {} written to stdout, no socket activity{}", format_bytes(r.stdout_bytes),
			   r.to_address ? " towards " + r.to_address->to_string() : "");
}

json input_json(const CheckResult &r)
{
	if (!r.input)
		return nullptr;
	const InputSummary &in = *r.input;
	return {{"state", to_string(in.state)},
		{"bytes", in.bytes},
		{"eof", in.eof},
		{"source", in.source ? json(in.source->to_string()) : json(nullptr)}};
}

} // namespace

void print_check_json(std::ostream &out, const CheckResult &r, const TargetReport &tr, double window_s)
{
	json errors = json::object();
	for (const auto &[name, n] : r.errors)
		errors[name] = n;
	json destinations = json::array();
	for (const Endpoint &p : r.peers) {
		auto where = locality_of(tr, p);
		destinations.push_back({{"peer", p.to_string()},
					{"address", p.address()},
					{"port", p.port},
					{"proto", p.proto_name()},
					{"locality", where ? std::string(to_string(*where)) : "unknown"}});
	}
	print(out, {{"type", "check"},
		    {"verdict", to_string(r.verdict)},
		    // acknowledged, unconfirmed (left the host; nothing acknowledges
		    // it), or none (not delivered)
		    {"confirmation", r.confirmation()},
		    {"reason", check_reason(r)},
		    {"container", tr.target.name},
		    {"runtime", tr.target.runtime},
		    {"container_id", tr.target.container_id},
		    {"pod", tr.target.pod.empty() ? json(nullptr) : json(tr.target.pod)},
		    {"namespace", tr.target.pod_namespace.empty() ? json(nullptr) : json(tr.target.pod_namespace)},
		    {"task", tr.target.task.empty() ? json(nullptr) : json(tr.target.task)},
		    {"cgroup_id", tr.target.cgroup_id},
		    {"window_s", std::round(window_s * 1000) / 1000},
		    {"require_ack", r.require_ack},
		    {"left_host_bytes", r.left_host_bytes},
		    {"acked_bytes", r.acked_bytes},
		    {"unacked_bytes", r.unacked_bytes},
		    {"sent_bytes", r.sent_bytes},
		    {"sent_remote_bytes", r.sent_remote_bytes},
		    {"stdout_bytes", r.stdout_bytes},
		    {"retransmits", r.retransmits},
		    {"connect_failures", r.connect_failures},
		    {"errors", errors},
		    {"destinations", destinations},
		    // Which half of the flow failed: "input" (it ended or never
		    // came: upstream died), "output" (it flowed, nothing was
		    // delivered: stuck); null when delivered or not known.
		    {"failed_half", r.failed_half == FailedHalf::none ? json(nullptr) : json(to_string(r.failed_half))},
		    {"input", input_json(r)},
		    // Why leaving the host is not counted (the egress program is
		    // degraded); null when it is.
		    {"egress_unseen", r.egress_unseen.empty() ? json(nullptr) : json(r.egress_unseen)},
		    {"note", tr.note.empty() ? json(nullptr) : json(tr.note)}});
}

void print_check_error_json(std::ostream &out, const std::string &message)
{
	print(out, {{"type", "check"}, {"verdict", to_string(Verdict::error)}, {"reason", message}});
}

} // namespace bpfwatch

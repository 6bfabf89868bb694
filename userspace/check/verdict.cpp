// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "check/verdict.h"

#include <sys/socket.h>

#include <set>

#include <fmt/format.h>

#include "aggregator/delivery_delta.h"
#include "output/delivery_rows.h"
#include "output/format.h"
#include "output/ranking.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

bool matches(const CheckCriteria &c, const Peer &p)
{
	if (p.family != AF_INET && p.family != AF_INET6)
		return false;
	if (c.to_address && IpAddress::from_bytes(p.family, p.addr.data()).unmapped() != c.to_address->unmapped())
		return false;
	return !c.to_port || p.port == *c.to_port;
}

// The most frequent failure, for the reason line: "37 × ECONNREFUSED".
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

std::string peer_list(const std::vector<Peer> &peers)
{
	std::string out;
	for (std::size_t i = 0; i < peers.size() && i < 3; i++)
		out += (i ? ", " : "") + peers[i].to_string();
	if (peers.size() > 3)
		out += fmt::format(" and {} more", peers.size() - 3);
	return out;
}

} // namespace

std::string_view to_string(Verdict v)
{
	switch (v) {
	case Verdict::delivered:
		return "delivered";
	case Verdict::not_delivered:
		return "not_delivered";
	case Verdict::error:
		return "error";
	default:
		return "silent";
	}
}

CheckCriteria parse_check_target(const std::string &to, std::uint64_t min_bytes, bool require_ack)
{
	CheckCriteria c;
	c.min_bytes = std::max<std::uint64_t>(min_bytes, 1);
	c.require_ack = require_ack;
	if (to.empty())
		return c;
	std::string host = to, port;
	if (to.front() == '[') { // [v6]:port
		auto close = to.find(']');
		if (close == std::string::npos)
			throw Error("--to " + to + ": missing ']'");
		host = to.substr(1, close - 1);
		if (close + 1 < to.size()) {
			if (to[close + 1] != ':')
				throw Error("--to " + to + ": expected ':PORT' after ']'");
			port = to.substr(close + 2);
		}
	} else if (std::count(to.begin(), to.end(), ':') == 1) {
		host = to.substr(0, to.find(':'));
		port = to.substr(to.find(':') + 1);
	}
	c.to_address = IpAddress::parse(host);
	if (!c.to_address)
		throw Error("--to " + to + ": '" + host + "' is not an IP address");
	if (!port.empty()) {
		char *end = nullptr;
		unsigned long n = std::strtoul(port.c_str(), &end, 10);
		if (*end || n == 0 || n > 65535)
			throw Error("--to " + to + ": '" + port + "' is not a port");
		c.to_port = static_cast<std::uint16_t>(n);
	}
	return c;
}

CheckResult evaluate(const TargetReport &tr, const CheckCriteria &c)
{
	const Window &w = tr.window;
	CheckResult r;
	// What reached the container's log, where its pipes are known.
	r.stdout_bytes = tr.log_known ? w.log.bytes : w.stdio.bytes;
	std::set<Peer> peers;
	bool activity = false;

	for (const auto &[dest, stats] : w.destinations) {
		Peer p = peer_of(dest);
		if (!matches(c, p))
			continue;
		peers.insert(p);
		activity = true;
		r.sent_bytes += stats.counts.bytes;
		if (locality_of(tr, p) == Locality::remote)
			r.sent_remote_bytes += stats.counts.bytes;
		for (const auto &[err, n] : stats.errnos)
			r.errors[errno_name(err)] += n;
	}
	for (const auto &[p, d] : w.delivery) {
		if (!matches(c, p))
			continue;
		peers.insert(p);
		activity |= d.tcp.connect_attempts || d.tcp.bytes_sent || d.egress.packets;
		if (locality_of(tr, p) == Locality::remote) {
			r.left_host_bytes += d.egress.bytes;
			r.acked_bytes += d.tcp.bytes_acked;
		}
		r.retransmits += d.tcp.retrans_segs;
		for (const auto &[err, n] : d.tcp.connect_errors)
			r.errors[connect_error_name(err)] += n;
		for (const auto &[err, n] : d.icmp_errors)
			r.errors[errno_name(err)] += n;
	}
	r.peers.assign(peers.begin(), peers.end());

	std::vector<Peer> remote;
	for (const Peer &p : r.peers)
		if (locality_of(tr, p) == Locality::remote)
			remote.push_back(p);
	bool left = r.sent_remote_bytes >= c.min_bytes && r.left_host_bytes >= c.min_bytes;
	bool acked = !c.require_ack || r.acked_bytes >= c.min_bytes;
	std::string errors = top_error(r);
	std::string to = peer_list(remote.empty() ? r.peers : remote);

	if (left && acked) {
		r.verdict = Verdict::delivered;
		r.reason = fmt::format("OK: {} to {}, {} acknowledged", format_bytes(r.sent_remote_bytes), to,
				       format_bytes(r.acked_bytes));
	} else if (!activity && r.errors.empty()) {
		r.verdict = Verdict::silent;
		r.reason = fmt::format("SILENT: {} written to stdout, no socket activity{}", format_bytes(r.stdout_bytes),
				       c.to_address ? " towards " + c.to_address->to_string() : "");
	} else if (left) {
		r.verdict = Verdict::not_delivered;
		r.reason = fmt::format("FAIL: {} left the host to {}, {} acknowledged; {} retransmits",
				       format_bytes(r.left_host_bytes), to, format_bytes(r.acked_bytes), r.retransmits);
	} else if (r.sent_bytes && remote.empty()) {
		r.verdict = Verdict::not_delivered;
		r.reason = fmt::format("FAIL: {} sent, none of it left the host ({} {} on this host)",
				       format_bytes(r.sent_bytes), to, r.peers.size() == 1 ? "is" : "are");
	} else {
		r.verdict = Verdict::not_delivered;
		r.reason = fmt::format("FAIL: {} written to stdout, {} sent{}", format_bytes(r.stdout_bytes),
				       format_bytes(r.sent_bytes), errors.empty() ? "" : "; " + errors + " to " + to);
	}
	return r;
}

} // namespace bpfwatch

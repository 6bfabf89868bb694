// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "aggregator/verdict.h"

#include <netinet/in.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "aggregator/delivery_view.h"
#include "aggregator/ranking.h"
#include "util/errno_name.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

bool matches(const CheckCriteria &c, const Endpoint &p)
{
	if (!p.is_ip())
		return false;
	if (c.to_address && p.ip_address() != *c.to_address)
		return false;
	return !c.to_port || p.port == *c.to_port;
}

// The kinds a router's input comes through: ttys and other fds
// (eventfds, /dev/urandom) say nothing of it.
constexpr FdKind kInputKinds[] = {FdKind::socket, FdKind::pipe, FdKind::file};

FailedHalf failed_half(const CheckResult &r)
{
	if (r.verdict == Verdict::delivered || !r.input)
		return FailedHalf::none;
	// It sent, to the wrong place (or one it cannot place): whatever its
	// input did, the output is what to look at.
	if (r.finding == Finding::stayed_on_host || r.finding == Finding::locality_unknown)
		return FailedHalf::output;
	switch (r.input->state) {
	case InputState::flowing:
		return FailedHalf::output;
	case InputState::ended:
		return FailedHalf::input;
	case InputState::absent:
		// A producer (it logs or sends data of its own) needs no input:
		// its sending failed. A router with nothing in has nothing to send.
		return r.stdout_bytes || r.sent_bytes || !r.errors.empty() ? FailedHalf::output : FailedHalf::input;
	}
	return FailedHalf::none;
}

} // namespace

InputSummary summarize_input(const InputWindow &in)
{
	InputSummary s;
	for (FdKind k : kInputKinds) {
		s.bytes += in.kind(k).bytes;
		s.eof += in.kind(k).eof;
	}
	std::uint64_t newest_read = 0, newest_eof = 0;
	for (const auto &[src, stats] : in.sources) {
		newest_read = std::max(newest_read, stats.last_read_ns);
		newest_eof = std::max(newest_eof, stats.last_eof_ns);
	}
	auto ranked = ranked_sources(in);
	if (!ranked.empty())
		s.source = *ranked.front().first;
	// Ended: a stream's end came after the newest byte from any source
	// (a pipe's end has no source to time it: its count says it).
	if (s.eof && (in.sources.empty() || newest_eof >= newest_read))
		s.state = InputState::ended;
	else if (s.bytes || s.eof)
		s.state = InputState::flowing;
	return s;
}

std::string_view to_string(InputState s)
{
	switch (s) {
	case InputState::flowing:
		return "flowing";
	case InputState::ended:
		return "ended";
	default:
		return "absent";
	}
}

std::string_view to_string(FailedHalf h)
{
	switch (h) {
	case FailedHalf::input:
		return "input";
	case FailedHalf::output:
		return "output";
	default:
		return "none";
	}
}

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

std::string CheckResult::confirmation() const
{
	if (verdict != Verdict::delivered)
		return "none";
	return finding == Finding::acknowledged ? "acknowledged" : "unconfirmed";
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
	r.require_ack = c.require_ack;
	r.min_bytes = c.min_bytes;
	r.to_address = c.to_address;
	r.egress_unseen = c.egress_unseen;
	// What reached the container's log, where its pipes are known.
	r.stdout_bytes = tr.log_known ? w.log.bytes : w.stdio.bytes;
	std::set<Endpoint> peers, remote;
	bool activity = false, unknown = false;
	// Bytes sent to remote peers that nothing can acknowledge (not TCP).
	std::uint64_t unackable_remote = 0;

	for (const auto &[dest, stats] : w.destinations) {
		if (!matches(c, dest))
			continue;
		peers.insert(dest);
		activity = true;
		r.sent_bytes += stats.counts.bytes;
		auto where = locality_of(tr, dest);
		if (where == Locality::remote) {
			remote.insert(dest);
			r.sent_remote_bytes += stats.counts.bytes;
			if (dest.proto != IPPROTO_TCP)
				unackable_remote += stats.counts.bytes;
		}
		unknown |= where == Locality::unknown;
		for (const auto &[err, n] : stats.errnos)
			r.errors[errno_name(err)] += n;
	}
	for (const auto &[p, d] : w.delivery) {
		if (!matches(c, p))
			continue;
		peers.insert(p);
		activity |= d.tcp.connect_attempts || d.tcp.bytes_sent || d.egress.packets;
		auto where = locality_of(tr, p);
		unknown |= where == Locality::unknown;
		if (where == Locality::remote) {
			remote.insert(p);
			r.left_host_bytes += d.egress.bytes;
			r.acked_bytes += d.tcp.bytes_acked;
			r.tcp_remote_bytes += d.tcp.bytes_sent;
			r.unacked_bytes += d.tcp.unacked;
		}
		r.retransmits += d.tcp.retrans_segs;
		r.connect_failures += d.tcp.connect_failures;
		for (const auto &[err, n] : d.tcp.connect_errors)
			r.errors[connect_error_name(err)] += n;
		for (const auto &[err, n] : d.icmp_errors)
			r.errors[errno_name(err)] += n;
	}
	r.peers.assign(peers.begin(), peers.end());
	r.remote_peers.assign(remote.begin(), remote.end());

	bool acked = r.acked_bytes >= c.min_bytes;
	// Acknowledged bytes left the host, whether or not egress is counted.
	bool left = r.sent_remote_bytes >= c.min_bytes &&
		    (r.left_host_bytes >= c.min_bytes || (!c.egress_unseen.empty() && acked));
	// Without acknowledgements to require, or with nothing that could give
	// them (UDP only), bytes that left are as far as the kernel can see.
	bool ack_applies = c.require_ack && r.sent_remote_bytes > unackable_remote;

	if (left && acked) {
		r.verdict = Verdict::delivered;
		r.finding = Finding::acknowledged;
	} else if (left && !ack_applies) {
		r.verdict = Verdict::delivered;
		r.finding = Finding::left_unconfirmed;
	} else if (!activity && r.errors.empty()) {
		r.verdict = Verdict::silent;
		r.finding = Finding::no_activity;
	} else if (!c.egress_unseen.empty() && r.sent_remote_bytes >= c.min_bytes) {
		// Whether they left cannot be seen: neither verdict would be true.
		r.verdict = Verdict::error;
		r.finding = Finding::egress_unseen;
	} else if (left) {
		r.verdict = Verdict::not_delivered;
		r.finding = Finding::left_unacked;
	} else if (unknown && r.sent_bytes) {
		r.verdict = Verdict::not_delivered;
		r.finding = Finding::locality_unknown;
	} else if (r.sent_bytes && remote.empty()) {
		r.verdict = Verdict::not_delivered;
		r.finding = Finding::stayed_on_host;
	} else if (!r.errors.empty()) {
		r.verdict = Verdict::not_delivered;
		r.finding = Finding::sends_failed;
	} else {
		r.verdict = Verdict::not_delivered;
		r.finding = Finding::nothing_sent;
	}
	if (c.input_counted)
		r.input = summarize_input(w.input);
	r.failed_half = failed_half(r);
	return r;
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// `bpfwatch check`'s judgement, as a pure function of one target's report:
// did its data leave the host (and get acknowledged, if asked)?
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "aggregator/locality.h"
#include "output/report.h"

namespace bpfwatch {

struct CheckCriteria {
	std::optional<IpAddress> to_address; // --to HOST
	std::optional<std::uint16_t> to_port; // --to HOST:PORT
	std::uint64_t min_bytes = 1;
	bool require_ack = false;
};

// error: the check could not run (bad input, no runtime, no privilege);
// evaluate() never returns it.
enum class Verdict { delivered, not_delivered, silent, error };

struct CheckResult {
	Verdict verdict = Verdict::silent;
	std::string reason;              // one human line: "OK: ..." / "FAIL: ..."
	std::uint64_t stdout_bytes = 0;  // written on fd 1 and 2
	std::uint64_t sent_bytes = 0;    // send calls to the matching peers, any locality
	std::uint64_t sent_remote_bytes = 0;
	std::uint64_t left_host_bytes = 0; // IP egress to matching remote peers
	std::uint64_t acked_bytes = 0;     // TCP data acknowledged by matching remote peers
	std::uint64_t retransmits = 0;
	std::map<std::string, std::uint64_t> errors; // errno name -> failed calls or connects
	std::vector<Peer> peers;                     // the matching peers, any locality
};

std::string_view to_string(Verdict v); // "delivered", "not_delivered", "silent", "error"

// "198.51.100.7", "198.51.100.7:514", "[::1]:514"; throws Error.
CheckCriteria parse_check_target(const std::string &to, std::uint64_t min_bytes, bool require_ack);

CheckResult evaluate(const TargetReport &target, const CheckCriteria &criteria);

} // namespace bpfwatch

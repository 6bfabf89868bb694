// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The core e2e case, for the reliability tests (degraded programs, least
// privilege): a real container that writes known bytes when told to, and
// bpfwatch watching it through one round, started however the test says
// (under capsh, with BPFWATCH_FAIL_PROGRAM, ...).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "e2e/e2e_support.h"

namespace bpfwatch::e2e {

class CoreCase {
public:
	// Per round: 50 log lines of 20 bytes to stdout (its log pipe) and
	// one 4 KiB block appended to a file.
	static constexpr std::uint64_t kLogBytes = 1000, kFileBytes = 4096;
	// head writes the block on its fd 1, redirected to the file: stdio too.
	static constexpr std::uint64_t kStdioBytes = kLogBytes + kFileBytes;

	explicit CoreCase(const std::string &tag);
	~CoreCase();
	const Container &container() const { return *container_; }

	struct Run {
		int status = -1;
		std::string out, err;
		std::vector<nlohmann::json> summaries;
	};
	// Runs `prefix... bpfwatch --container NAME --output json --interval 0
	// args...`; once it is watching, lets the container write one round,
	// waits until the runtime logged it, and stops bpfwatch with SIGINT.
	// A bpfwatch that exits before watching is returned as it ended.
	Run watch_one_round(const std::vector<std::string> &prefix, const std::vector<std::string> &args = {});

private:
	std::string dir_;
	int round_ = 0;
	std::unique_ptr<Container> container_;
};

// `capsh --drop=...` dropping every capability of the bounding set but
// @keep (e.g. {"cap_bpf", "cap_perfmon"}): as root, a program exec'd
// under it has exactly those.
std::vector<std::string> capsh_keeping(const std::vector<std::string> &keep);

} // namespace bpfwatch::e2e

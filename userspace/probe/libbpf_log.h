// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace bpfwatch {

// Route libbpf's own messages into spdlog: its warnings (a verifier log,
// an attach error) with -v, its debug output with -vv. A failure itself
// reaches the user as one line from main(), with a hint to rerun with -v.
void route_libbpf_log_to_spdlog();

// Which program an object's failed load stopped at, as libbpf tells it.
struct ProgramLoadFailure {
	std::string program;
	int err = 0;              // positive errno
	std::string verifier_log; // empty when the verifier never ran (EPERM)
};

// Keeps libbpf's warnings while it lives (they still reach the printer set
// before), to learn which program a failed load stopped at: libbpf
// unloads everything on failure, so nothing else tells.
class LibbpfLoadCapture {
public:
	LibbpfLoadCapture();
	~LibbpfLoadCapture();
	LibbpfLoadCapture(const LibbpfLoadCapture &) = delete;
	LibbpfLoadCapture &operator=(const LibbpfLoadCapture &) = delete;

	std::optional<ProgramLoadFailure> failure() const;

private:
	std::vector<std::string> lines_;
};

} // namespace bpfwatch

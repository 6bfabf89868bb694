// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Everything one run measured, as the printed tables (with the targets of
// issue #5 marked PASS/MISS) and as JSON.
#pragma once

#include <array>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "latency.h"
#include "profile.h"
#include "stream.h"

namespace bench {

struct Machine {
	std::string kernel, cpu_model, hostname, bpftrace_version, git;
	long nproc = 0;
	std::string bpf_stats_sysctl; // at start
};

struct RunConfig {
	std::string command;
	bool quick = false;
	int rounds = 0, reps = 0, batch = 0, pin_cpu = -1;
	unsigned seed = 0;
	double stream_seconds = 0;
	std::vector<double> stream_rates;
};

struct Results {
	Machine machine;
	RunConfig config;
	std::array<bool, kStates> measured{};
	std::array<int, kWorkloads> batch{};
	LatencyData latency;
	std::vector<BpfStatsRow> bpf_stats;
	std::vector<Profile> profiles;
	bool streamed = false;
	StreamReport stream;
	std::vector<std::string> warnings;
	std::vector<std::string> foreign_programs; // loaded by others meanwhile
	std::uint64_t udp_dropped = 0;
	double seconds = 0;
};

void print_report(const Results &r, std::ostream &out);
nlohmann::ordered_json to_json(const Results &r);

} // namespace bench

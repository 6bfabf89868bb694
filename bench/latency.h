// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The two timing phases.
//
// Latency: rounds of [none, S1, none, S2, ..., none] with S1..Sk shuffled
// each round. In every visit each workload gets a warm-up and `reps`
// timed batches (the visit's value is their median). A state's added cost
// in a round is its value minus the mean of the two `none` visits around
// it, so slow drift of the VM cancels; the result is the median over
// rounds.
//
// BPF stats: each BPF state once more with bpf_stats on, reading its
// programs' run_time_ns / run_cnt around the same batches (kept apart from
// the latency phase: the stats' own clock reads add to every run).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "bpfobj.h"
#include "states.h"
#include "workload.h"

namespace bench {

using StateTable = std::array<std::unique_ptr<State>, kStates>; // null: not measured

template <typename T> using PerStateWorkload = std::array<std::array<T, kStates>, kWorkloads>;

struct LatencyOptions {
	int rounds = 30;
	int reps = 2;
	std::uint64_t deadline_ns = 0; // start no round after this
	unsigned seed = 1;
};

// Thread CPU time (the headline: immune to preemption and steal) and wall.
enum Metric { kCpu = 0, kWall = 1, kMetrics = 2 };

struct LatencyData {
	PerStateWorkload<std::vector<double>> visits[kMetrics]; // ns/call per visit
	PerStateWorkload<std::vector<double>> added[kMetrics];  // ns/call over none, per round
	std::array<std::vector<double>, kStates> enter_ms;
	int rounds = 0;
	double seconds = 0;
};

LatencyData run_latency(Workloads &wl, StateTable &states, const LatencyOptions &opt);

struct BpfStatsRow {
	// Calls made, and runs / run time of the state's programs, over the
	// timed chunks only.
	StateId state;
	std::vector<ProgInfo> progs;
	std::array<std::uint64_t, kWorkloads> calls{}, runs{}, run_time_ns{};
};

// Whether bpf_stats are on right now (someone's sysctl or BPF_ENABLE_STATS
// fd): they add clock reads to every program run of the latency phase.
bool stats_seem_on(StateTable &states, Workloads &wl);

std::vector<BpfStatsRow> run_bpf_stats(Workloads &wl, StateTable &states, int reps);

double median(std::vector<double> v);

} // namespace bench

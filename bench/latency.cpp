// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "latency.h"

#include <algorithm>
#include <iostream>
#include <random>
#include <set>

#include "util.h"

namespace bench {
namespace {

using Visit = std::array<Timing, kWorkloads>;

constexpr int kWarmup = 1024;

Visit visit(Workloads &wl, int reps)
{
	Visit v{};
	for (Workload w : kAllWorkloads) {
		check_stop();
		wl.run(w, std::min(kWarmup, wl.batch(w)));
		std::vector<double> cpu, wall;
		for (int r = 0; r < reps; r++) {
			Timing t = wl.run(w);
			cpu.push_back(t.cpu);
			wall.push_back(t.wall);
		}
		v[int(w)] = {median(wall), median(cpu)};
	}
	return v;
}

ProgStat sum_stats(const std::vector<std::uint32_t> &ids)
{
	ProgStat sum;
	for (std::uint32_t id : ids) {
		ProgStat s = prog_stat(id);
		sum.run_time_ns += s.run_time_ns;
		sum.run_cnt += s.run_cnt;
	}
	return sum;
}

} // namespace

double median(std::vector<double> v)
{
	if (v.empty())
		return 0;
	std::sort(v.begin(), v.end());
	std::size_t n = v.size();
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

LatencyData run_latency(Workloads &wl, StateTable &states, const LatencyOptions &opt)
{
	LatencyData d;
	std::mt19937 rng(opt.seed);
	std::vector<StateId> order;
	for (StateId s : kAllStates)
		if (s != StateId::None && states[int(s)])
			order.push_back(s);
	const int none = int(StateId::None);
	const std::uint64_t t0 = now_ns();

	for (int round = 0; round < opt.rounds; round++) {
		if (round > 0 && opt.deadline_ns && now_ns() > opt.deadline_ns) {
			std::cerr << "bpfwatch-bench: time budget reached after " << round << " rounds\n";
			break;
		}
		std::shuffle(order.begin(), order.end(), rng);
		Visit before = visit(wl, opt.reps);
		for (Workload w : kAllWorkloads) {
			d.visits[kCpu][int(w)][none].push_back(before[int(w)].cpu);
			d.visits[kWall][int(w)][none].push_back(before[int(w)].wall);
		}
		for (StateId s : order) {
			State &st = *states[int(s)];
			std::uint64_t e0 = now_ns();
			st.enter();
			d.enter_ms[int(s)].push_back((now_ns() - e0) / 1e6);
			Visit v;
			try {
				v = visit(wl, opt.reps);
			} catch (...) {
				st.leave();
				throw;
			}
			st.leave();
			Visit after = visit(wl, opt.reps);
			for (Workload w : kAllWorkloads) {
				int i = int(w);
				for (Metric m : {kCpu, kWall}) {
					auto get = [m](const Timing &t) { return m == kCpu ? t.cpu : t.wall; };
					d.visits[m][i][int(s)].push_back(get(v[i]));
					d.visits[m][i][none].push_back(get(after[i]));
					d.added[m][i][int(s)].push_back(get(v[i]) - (get(before[i]) + get(after[i])) / 2);
				}
			}
			before = after;
		}
		d.rounds = round + 1;
		// Printed with nothing attached: it must not count as a write.
		std::cerr << "bpfwatch-bench: latency round " << d.rounds << "/" << opt.rounds << " ("
			  << int((now_ns() - t0) / 1e9) << " s)\n";
	}
	d.seconds = (now_ns() - t0) / 1e9;
	return d;
}

std::vector<BpfStatsRow> run_bpf_stats(Workloads &wl, StateTable &states, int reps)
{
	std::vector<BpfStatsRow> rows;
	std::set<std::string> dumped; // one xlated dump per distinct program
	StatsOn stats;
	for (StateId s : kAllStates) {
		if (s == StateId::None || !states[int(s)])
			continue;
		State &st = *states[int(s)];
		BpfStatsRow row{s, {}, {}, {}, {}};
		st.enter();
		try {
			std::vector<std::uint32_t> ids = st.prog_ids();
			for (std::uint32_t id : ids) {
				ProgInfo p = prog_info(id, false);
				if (dumped.insert(p.tag + "/" + std::to_string(p.xlated_insns)).second)
					p = prog_info(id, true);
				row.progs.push_back(p);
			}
			for (Workload w : kAllWorkloads) {
				int i = int(w);
				wl.run(w, std::min(kWarmup, wl.batch(w)));
				for (int r = 0; r < reps; r++) {
					check_stop();
					// Only the timed chunks: the untimed drain
					// (read, recv) runs sys_exit programs too.
					ProgStat a;
					wl.run(w, 0, [&](bool after) {
						ProgStat now = sum_stats(ids);
						if (!after) {
							a = now;
							return;
						}
						row.runs[i] += now.run_cnt - a.run_cnt;
						row.run_time_ns[i] += now.run_time_ns - a.run_time_ns;
					});
					row.calls[i] += wl.batch(w);
				}
			}
		} catch (...) {
			st.leave();
			throw;
		}
		st.leave();
		rows.push_back(std::move(row));
	}
	return rows;
}

bool stats_seem_on(StateTable &states, Workloads &wl)
{
	// run_cnt moves only while stats are on: look at the floor's.
	State *floor = states[int(StateId::Floor)].get();
	if (!floor)
		return false;
	floor->enter();
	std::vector<std::uint32_t> ids = floor->prog_ids();
	ProgStat a = sum_stats(ids);
	wl.run(Workload::DevNull, 256);
	ProgStat b = sum_stats(ids);
	floor->leave();
	return b.run_cnt != a.run_cnt;
}

} // namespace bench

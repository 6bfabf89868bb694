// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "profile.h"

#include <unistd.h>

#include <cstdio>
#include <regex>
#include <stdexcept>

#include "util.h"

namespace bench {

Profile profile_state(Env &env, State &state, StateId id, Workload w, double seconds, const std::string &perf)
{
	Profile p{id, w, seconds, {}};
	std::string data = env.tmpdir + "/perf-" + state_key(id) + ".data";
	state.enter();
	try {
		// perf samples this thread only; it runs in the origin cgroup
		// like every tool, so its own writes are not watched.
		Child rec({perf, "record", "-q", "-e", "cpu-clock", "-F", "4999", "-t", std::to_string(gettid()),
			   "-o", data, "--", "sleep", std::to_string(seconds)},
			  env.cgroups.origin_procs(), "/dev/null", env.tmpdir + "/perf.stderr");
		sleep_ms(300); // perf attaches
		const std::uint64_t end = now_ns() + std::uint64_t((seconds + 1) * 1e9);
		Workloads &wl = env.workloads;
		while (now_ns() < end && rec.running())
			wl.run(w);
		for (int i = 0; i < 500 && rec.running(); i++)
			sleep_ms(20);
		int status = rec.stop();
		if (status != 0)
			throw std::runtime_error("perf record failed: " + rec.stderr_tail());
	} catch (...) {
		state.leave();
		throw;
	}
	state.leave();

	std::string cmd = perf + " report -i " + data +
			  " --stdio --no-children --sort symbol --percent-limit 0.5 2>/dev/null";
	FILE *f = popen(cmd.c_str(), "r");
	if (!f)
		throw std::runtime_error("cannot run perf report");
	static const std::regex row(R"(^\s+([0-9.]+)%\s+\[[.k]\]\s+(\S+))");
	char line[512];
	for (int i = 0; i < 10000 && fgets(line, sizeof(line), f); i++) {
		std::cmatch m;
		if (std::regex_search(line, m, row))
			p.symbols.emplace_back(m[2].str(), std::stod(m[1].str()));
	}
	pclose(f);
	return p;
}

} // namespace bench

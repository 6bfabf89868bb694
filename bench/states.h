// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The states a writer is timed in. Each is entered and left once per round
// so that all of them are measured side by side, many times, in one run:
//   none       nothing attached
//   floor      bench/floor.bpf.c: cgroup compare + counter, the floor of
//              any raw_tracepoint/sys_exit design
//   watched    bpfwatch::Probe filtering on the writer's cgroup, with a
//              consumer thread draining the ring into an Aggregator
//   unwatched  the same Probe filtering on another (empty) cgroup
//   tool       the bpfwatch binary in its default mode: --cgroup <ours>
//              --output json, delivery probes (TCP, cgroup egress) included
//   events     the bpfwatch binary: --cgroup <ours> --events --output json
//   bpftrace   bpftrace summing sys_exit_write / sys_exit_sendto by cgroup
//   noinput    watched with --no-input (ProbeConfig::input false): what the
//              read path costs the writes
#pragma once

#include <sys/types.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "aggregator/aggregator.h"
#include "cgroup.h"
#include "probe/probe.h"
#include "subprocess.h"
#include "workload.h"

namespace bench {

enum class StateId { None = 0, Floor, Watched, Unwatched, Tool, Events, Bpftrace, NoInput };
constexpr int kStates = 8;
constexpr std::array<StateId, kStates> kAllStates{StateId::None,      StateId::Floor, StateId::Watched,
						  StateId::Unwatched, StateId::Tool,  StateId::Events,
						  StateId::Bpftrace,  StateId::NoInput};
const char *state_key(StateId s);
StateId state_from_key(const std::string &key); // throws on unknown

struct Env {
	BenchCgroups &cgroups;
	Workloads &workloads;
	std::string bpfwatch_binary;
	std::string bpftrace_binary; // empty: not installed
	std::string tmpdir;          // tools' stderr files
	// Which build of the syscall probe the in-process states load
	// (--probe-build compat measures the one for kernels before 6.2).
	bpfwatch::ProbeBuild probe_build = bpfwatch::ProbeBuild::Auto;
};

class State {
public:
	virtual ~State() = default;
	// Returns once the state's programs are attached and counting.
	virtual void enter() = 0;
	virtual void leave() = 0;
	// Programs of this state (valid while entered).
	virtual std::vector<std::uint32_t> prog_ids() const { return {}; }
	// The tool's process, for subprocess states; 0 otherwise.
	virtual pid_t tool_pid() const { return 0; }
	// Records the consumer received (in-process probes only).
	virtual std::uint64_t records() const { return 0; }
};

std::unique_ptr<State> make_state(StateId id, Env &env);

// bpfwatch's real probe, built and attached on enter (a Probe has no
// detach short of destruction), drained by a thread the way the tool does:
// poll(100 ms) into an Aggregator.
class ProbeState : public State {
public:
	ProbeState(std::uint64_t filter_cgid, bpfwatch::ProbeBuild build, bool input = true);
	~ProbeState() override;
	void enter() override;
	void leave() override;
	std::vector<std::uint32_t> prog_ids() const override { return progs_; }
	std::uint64_t records() const override { return records_.load(); }
	// While entered: the consumer thread's CPU time, the kernel's totals
	// for the filtered cgroup, and the probe's map + ring memory.
	std::uint64_t consumer_cpu_ns() const;
	bpfwatch::KernelTotals totals() const;
	std::uint64_t kernel_memory_bytes() const;
	// Has the consumer drain the ring (as the tool does at each report):
	// records wait in the CPUs' batches and the ring until a poll period
	// ends or the ring is half full.
	void flush();

private:
	void consume();

	std::uint64_t filter_;
	bpfwatch::ProbeBuild build_;
	bool input_;
	std::unique_ptr<bpfwatch::Aggregator> agg_;
	std::unique_ptr<bpfwatch::Probe> probe_;
	std::thread consumer_;
	std::atomic<pid_t> consumer_tid_{0};
	std::atomic<bool> stop_{false}, flush_{false};
	std::atomic<std::uint64_t> records_{0};
	std::vector<std::uint32_t> progs_;
	std::string error_;
};

// How to tell that a tool sees the writer's calls, after a poke (one
// write() and one sendto()): its ring buffer's producer position moved
// (bpfwatch), or @n of its maps hold the writer's cgroup id as a key
// (bpftrace's @w[cgroup], @s[cgroup]).
struct Readiness {
	bool ring = false;
	int keyed_maps = 0;
};

// A tool run as a subprocess in the harness's origin cgroup; entered means
// started and seen counting the writer. Used by the events and bpftrace
// states and by streaming.
class ToolRun : public State {
public:
	ToolRun(Env &env, std::vector<std::string> argv, std::string stdout_path, Readiness ready,
		int stdout_fd = -1);
	~ToolRun() override;
	void enter() override;
	void leave() override;
	// leave() with a longer grace after SIGTERM; the wait status and the
	// end of its stderr, for the caller that needs the tool's last words.
	int finish(std::chrono::milliseconds grace, std::string *stderr_tail);
	std::vector<std::uint32_t> prog_ids() const override { return progs_; }
	pid_t tool_pid() const override;

private:
	Env &env_;
	std::vector<std::string> argv_;
	std::string stdout_path_;
	Readiness ready_;
	int stdout_fd_;
	std::unique_ptr<Child> child_;
	std::vector<std::uint32_t> progs_;
};

std::vector<std::string> bpfwatch_argv(const Env &env, bool events);
std::vector<std::string> bpftrace_argv(const Env &env);

} // namespace bench

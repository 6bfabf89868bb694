// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "states.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "bpfobj.h"
#include "floor.skel.h"
#include "util.h"

namespace bench {
namespace {

constexpr std::uint64_t kReadyTimeoutNs = 30'000'000'000ull;

std::vector<std::uint32_t> minus(std::vector<std::uint32_t> a, const std::vector<std::uint32_t> &b)
{
	std::erase_if(a, [&](std::uint32_t id) { return std::find(b.begin(), b.end(), id) != b.end(); });
	return a;
}

class NoneState : public State {
public:
	void enter() override {}
	void leave() override {}
};

// Loaded once; attach and detach are a link each, so a round costs ~nothing.
class FloorState : public State {
public:
	explicit FloorState(Env &env) : skel_(floor_bpf::open(), floor_bpf::destroy)
	{
		if (!skel_)
			fail_errno("open floor.bpf.o", errno);
		skel_->rodata->target_cgid = env.cgroups.watched_id();
		if (int err = floor_bpf::load(skel_.get()))
			fail_errno("load floor.bpf.o", err);
		bpf_prog_info info{};
		__u32 len = sizeof(info);
		if (bpf_obj_get_info_by_fd(bpf_program__fd(skel_->progs.floor_sys_exit), &info, &len) == 0)
			id_ = info.id;
		note_ours({id_});
	}
	void enter() override
	{
		if (int err = floor_bpf::attach(skel_.get()))
			fail_errno("attach floor raw_tracepoint/sys_exit", err);
	}
	void leave() override { floor_bpf::detach(skel_.get()); }
	std::vector<std::uint32_t> prog_ids() const override { return {id_}; }

private:
	std::unique_ptr<floor_bpf, void (*)(floor_bpf *)> skel_;
	std::uint32_t id_ = 0;
};

} // namespace

const char *state_key(StateId s)
{
	static const char *keys[] = {"none", "floor", "watched", "unwatched", "tool", "events", "bpftrace", "noinput"};
	return keys[static_cast<int>(s)];
}

StateId state_from_key(const std::string &key)
{
	for (StateId s : kAllStates)
		if (key == state_key(s))
			return s;
	throw std::runtime_error("unknown state '" + key + "'");
}

ProbeState::ProbeState(std::uint64_t filter_cgid, bpfwatch::ProbeBuild build, bool input)
	: filter_(filter_cgid), build_(build), input_(input)
{
}

ProbeState::~ProbeState()
{
	try {
		leave();
	} catch (...) {
	}
}

void ProbeState::enter()
{
	bpfwatch::ProbeConfig cfg;
	cfg.cgroup_ids = {filter_};
	cfg.build = build_;
	cfg.input = input_;
	auto before = owned_prog_ids(getpid());
	agg_ = std::make_unique<bpfwatch::Aggregator>();
	probe_ = std::make_unique<bpfwatch::Probe>(cfg, [this](const bpfwatch::Record &e) {
		agg_->add(e.cgroup_id, e, now_ns());
		records_.fetch_add(1, std::memory_order_relaxed);
	});
	progs_ = minus(owned_prog_ids(getpid()), before);
	note_ours(progs_);
	stop_ = false;
	consumer_tid_ = 0;
	consumer_ = std::thread([this] { consume(); });
	while (consumer_tid_ == 0)
		std::this_thread::yield();
}

void ProbeState::leave()
{
	stop_ = true;
	if (consumer_.joinable())
		consumer_.join();
	probe_.reset();
	progs_.clear();
	if (!error_.empty()) {
		std::string e = std::move(error_);
		error_.clear();
		throw std::runtime_error("probe consumer: " + e);
	}
}

void ProbeState::consume()
{
	consumer_tid_ = gettid();
	pin_tool_thread(); // never on the writer's CPU
	try {
		while (!stop_.load(std::memory_order_relaxed)) {
			probe_->poll(100);
			// One reader per ring: the drain happens here, not in
			// the thread that asked for it.
			if (flush_.load()) {
				probe_->drain();
				flush_ = false;
			}
		}
		probe_->drain();
	} catch (const std::exception &e) {
		error_ = e.what();
	}
}

void ProbeState::flush()
{
	flush_ = true;
	// The consumer sees it within one poll period (100 ms).
	for (int i = 0; i < 100 && flush_.load() && consumer_.joinable(); i++)
		sleep_ms(5);
}

std::uint64_t ProbeState::consumer_cpu_ns() const
{
	return consumer_tid_ ? cpu_ns_of_task(getpid(), consumer_tid_) : 0;
}

bpfwatch::KernelTotals ProbeState::totals() const
{
	auto all = probe_->read_totals();
	auto it = all.find(filter_);
	return it == all.end() ? bpfwatch::KernelTotals{} : it->second;
}

std::uint64_t ProbeState::kernel_memory_bytes() const
{
	return probe_ ? probe_->kernel_memory_bytes() : 0;
}

std::vector<std::string> bpfwatch_argv(const Env &env, bool events)
{
	std::vector<std::string> argv{env.bpfwatch_binary, "--cgroup", env.cgroups.watched_relative(),
				      "--output", "json"};
	if (events)
		argv.push_back("--events");
	return argv;
}

std::vector<std::string> bpftrace_argv(const Env &env)
{
	// A map per probe so that readiness can see all four attached (poke()
	// makes each syscall once). The cost per call is that of one probe:
	// the others fire only on their own syscalls.
	return {env.bpftrace_binary, "-e",
		"tracepoint:syscalls:sys_exit_write { @w[cgroup] = sum(args->ret); } "
		"tracepoint:syscalls:sys_exit_sendto { @s[cgroup] = sum(args->ret); } "
		"tracepoint:syscalls:sys_exit_read { @r[cgroup] = sum(args->ret); } "
		"tracepoint:syscalls:sys_exit_recvfrom { @f[cgroup] = sum(args->ret); }"};
}

ToolRun::ToolRun(Env &env, std::vector<std::string> argv, std::string stdout_path, Readiness ready,
		 int stdout_fd)
	: env_(env), argv_(std::move(argv)), stdout_path_(std::move(stdout_path)), ready_(ready),
	  stdout_fd_(stdout_fd)
{
}

ToolRun::~ToolRun()
{
	child_.reset();
}

pid_t ToolRun::tool_pid() const
{
	return child_ ? child_->pid() : 0;
}

void ToolRun::enter()
{
	std::string name = argv_[0].substr(argv_[0].rfind('/') + 1);
	std::string err_path = env_.tmpdir + "/" + name + ".stderr";
	child_ = std::make_unique<Child>(argv_, env_.cgroups.origin_procs(), stdout_path_, err_path, -1,
					 stdout_fd_);
	const std::uint64_t deadline = now_ns() + kReadyTimeoutNs;
	// bpfwatch stages records per CPU and moves them into its ring by the
	// end of its next poll period: the ring moves some time after a poke.
	std::optional<std::uint64_t> pos;
	for (int i = 0;; i++) {
		check_stop();
		if (!child_->running())
			throw std::runtime_error(name + " exited before it was counting: " + child_->stderr_tail());
		std::vector<std::uint32_t> maps = owned_map_ids(child_->pid());
		if (ready_.ring && pos && ring_producer_pos(maps) > *pos)
			break;
		if (ready_.ring && !pos && !maps.empty())
			pos = ring_producer_pos(maps);
		env_.workloads.poke();
		if (ready_.keyed_maps && maps_holding(maps, env_.cgroups.watched_id()) >= ready_.keyed_maps)
			break;
		if (now_ns() > deadline)
			throw std::runtime_error(name + " did not start counting within 30 s: " +
						 child_->stderr_tail());
		sleep_ms(i < 50 ? 10 : 50);
	}
	progs_ = owned_prog_ids(child_->pid());
	note_ours(progs_);
}

int ToolRun::finish(std::chrono::milliseconds grace, std::string *stderr_tail)
{
	int status = child_ ? child_->stop(grace) : -1;
	if (child_ && stderr_tail)
		*stderr_tail = child_->stderr_tail();
	leave();
	return status;
}

void ToolRun::leave()
{
	if (child_)
		child_->stop();
	child_.reset();
	progs_.clear();
}

std::unique_ptr<State> make_state(StateId id, Env &env)
{
	switch (id) {
	case StateId::None:
		return std::make_unique<NoneState>();
	case StateId::Floor:
		return std::make_unique<FloorState>(env);
	case StateId::Watched:
		return std::make_unique<ProbeState>(env.cgroups.watched_id(), env.probe_build);
	case StateId::Unwatched:
		return std::make_unique<ProbeState>(env.cgroups.other_id(), env.probe_build);
	case StateId::Tool:
		return std::make_unique<ToolRun>(env, bpfwatch_argv(env, false), "/dev/null", Readiness{true, 0});
	case StateId::Events:
		return std::make_unique<ToolRun>(env, bpfwatch_argv(env, true), "/dev/null", Readiness{true, 0});
	case StateId::Bpftrace:
		if (env.bpftrace_binary.empty())
			throw std::runtime_error("bpftrace is not installed");
		return std::make_unique<ToolRun>(env, bpftrace_argv(env), "/dev/null", Readiness{false, 4});
	case StateId::NoInput:
		return std::make_unique<ProbeState>(env.cgroups.watched_id(), env.probe_build, false);
	}
	throw std::logic_error("state");
}

} // namespace bench

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "e2e/toolbox_support.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/skip.h"
#include "targets/cgroup.h"

namespace bpfwatch::e2e {
namespace {

using namespace std::chrono_literals;

std::string env_or(const char *name, const std::string &fallback)
{
	const char *v = std::getenv(name);
	return v ? v : fallback;
}

std::string sorted_lines(const std::string &text)
{
	std::vector<std::string> lines;
	std::istringstream in(text);
	for (std::string l; std::getline(in, l);)
		lines.push_back(l);
	std::sort(lines.begin(), lines.end());
	std::string out;
	for (const auto &l : lines)
		out += l + "\n";
	return out;
}

} // namespace

Engine docker_engine()
{
	return {"docker", "docker", "", kImage, ""};
}

Engine podman_engine()
{
	std::string global = env_or("BPFWATCH_E2E_PODMAN_ARGS", "--runtime runc --cgroup-manager cgroupfs");
	std::string run = env_or("BPFWATCH_E2E_PODMAN_RUN_ARGS", "--ulimit nofile=1024:1024 --ulimit nproc=4096:4096");
	return {"podman", "podman " + global, run, std::string("localhost/") + kImage, global};
}

void require_toolbox(const Engine &e)
{
	std::string why;
	if (geteuid() != 0)
		why = "needs root (BPF, the runtime sockets)";
	else if (sh(e.cli + " info >/dev/null 2>&1").status != 0)
		why = e.name + " does not answer (`" + e.name + " info` failed; scripts/test starts dockerd)";
	else if (sh(e.cli + " image inspect " + e.test_image + " >/dev/null 2>&1").status != 0)
		why = "image " + e.test_image + " missing in " + e.name +
		      " (tests/e2e/support/build-busybox-image" + (e.name == "podman" ? " --podman)" : ")");
	if (why.empty()) {
		// Offline and cached: a no-op unless the binary or bundle changed.
		// A failed build is a failure, never a skip: it is under test.
		CommandResult r = sh(std::string(BPFWATCH_SOURCE_DIR) + "/scripts/build-toolbox-image --runtime " +
				     e.name + " 2>&1");
		if (r.status != 0)
			FAIL() << "scripts/build-toolbox-image --runtime " << e.name << " failed:\n" << r.out;
		return;
	}
	BW_SKIP_OR_FAIL(why);
}

std::vector<std::string> toolbox_argv(const Engine &e, const std::vector<std::string> &args,
				      const std::vector<std::string> &env)
{
	std::vector<std::string> argv{"/usr/bin/env", "HOME=/nonexistent-bpfwatch-e2e",
				      "TOOLBOX_RUNTIME=" + e.name,
				      "TOOLBOX_RUNTIME_GLOBAL_ARGS=" + e.global_args,
				      "TOOLBOX_RUNTIME_ARGS=" + e.run_flags,
				      "TOOLBOX_DOCKER_IMAGE=bpfwatch-toolbox", "TOOLBOX_DOCKER_TAG=latest",
				      "TOOLBOX_USER=", "TOOLBOX_CAPS=", "TOOLBOX_SECCOMP="};
	argv.insert(argv.end(), env.begin(), env.end());
	argv.push_back(std::string(BPFWATCH_SOURCE_DIR) + "/scripts/toolbox");
	argv.insert(argv.end(), args.begin(), args.end());
	return argv;
}

EngineContainer::EngineContainer(const Engine &engine, std::string name, const std::string &run_args,
				 const std::string &command)
	: engine_(engine), name_(std::move(name))
{
	sh(engine_.cli + " rm -f " + name_ + " >/dev/null 2>&1");
	std::string cmd = engine_.cli + " run -d --pull never --name " + name_ + " " + engine_.run_flags + " " +
			  run_args + " " + engine_.test_image + " /bin/sh -c '" + command + "' >/dev/null";
	if (sh(cmd).status != 0)
		ADD_FAILURE() << "could not start container " << name_ << ": " << cmd;
}

EngineContainer::~EngineContainer()
{
	// busybox sh as pid 1 ignores SIGTERM: no grace period to wait out.
	std::string now = engine_.name == "podman" ? " -t 0" : "";
	sh(engine_.cli + " rm -f" + now + " " + name_ + " >/dev/null 2>&1");
}

std::string EngineContainer::inspect(const std::string &format) const
{
	return sh_out(engine_.cli + " inspect -f '" + format + "' " + name_ + " 2>/dev/null");
}

pid_t EngineContainer::pid() const
{
	return static_cast<pid_t>(std::atoi(inspect("{{.State.Pid}}").c_str()));
}

std::string EngineContainer::logs() const
{
	return sh_out(engine_.cli + " logs " + name_ + " 2>&1");
}

ContainerState snapshot(const Engine &engine, const EngineContainer &c)
{
	ContainerState s;
	s.exec_ids = c.inspect("{{json .ExecIDs}}");
	if (s.exec_ids == "null")
		s.exec_ids = "[]";
	s.restart_count = c.inspect("{{.RestartCount}}");
	s.started_at = c.inspect("{{.State.StartedAt}}");
	s.pid = c.pid();
	s.diff = sorted_lines(sh(engine.cli + " diff " + c.name() + " 2>&1").out);
	if (s.pid > 0) {
		std::string procs_file = join_cgroup_path(detect_cgroup2_root(), cgroup_path_of_pid(s.pid)) +
					 "/cgroup.procs";
		std::ifstream in(procs_file);
		for (pid_t p; in >> p;)
			s.procs.insert(p);
		s.mnt_ns = sh_out("readlink /proc/" + std::to_string(s.pid) + "/ns/mnt");
	}
	return s;
}

std::string describe(const ContainerState &s)
{
	std::string procs;
	for (pid_t p : s.procs)
		procs += (procs.empty() ? "" : ",") + std::to_string(p);
	return "exec_ids=" + s.exec_ids + " restarts=" + s.restart_count + " started=" + s.started_at +
	       " pid=" + std::to_string(s.pid) + " procs={" + procs + "} mnt=" + s.mnt_ns + " diff=[" + s.diff +
	       "]";
}

OpenTrace::OpenTrace(const std::string &comm)
{
	script_ = "/tmp/bpfwatch-e2e-opens-" + std::to_string(getpid()) + ".bt";
	// args->filename is the path as given; the mount namespace says where
	// it was resolved (an open in another namespace needs setns first).
	std::ofstream(script_) << "BEGIN { printf(\"ready\\n\"); }\n"
				  "tracepoint:syscalls:sys_enter_open,\n"
				  "tracepoint:syscalls:sys_enter_openat,\n"
				  "tracepoint:syscalls:sys_enter_openat2\n"
				  "/comm == \""
			       << comm
			       << "\"/\n"
				  "{\n"
				  "\tprintf(\"open %d %llu %s\\n\", pid, curtask->nsproxy->mnt_ns->ns.inum,\n"
				  "\t       str(args->filename));\n"
				  "}\n";
}

bool OpenTrace::start()
{
	if (sh("command -v bpftrace >/dev/null 2>&1").status != 0) {
		error_ = "bpftrace is not installed (scripts/install-deps --test)";
		return false;
	}
	proc_ = std::make_unique<Subprocess>(std::vector<std::string>{"/usr/bin/env", "bpftrace", script_});
	if (!eventually([&] { return proc_->out().find("ready") != std::string::npos || proc_->wait(0ms) >= 0; },
			60s) ||
	    proc_->out().find("ready") == std::string::npos) {
		error_ = "bpftrace did not attach: " + proc_->err();
		return false;
	}
	return true;
}

std::vector<OpenTrace::Open> OpenTrace::stop()
{
	std::vector<Open> opens;
	if (!proc_)
		return opens;
	proc_->signal(SIGINT);
	if (proc_->wait(20s) < 0)
		proc_->signal(SIGKILL);
	std::istringstream in(proc_->out());
	for (std::string line; std::getline(in, line);) {
		std::istringstream f(line);
		std::string tag, ns;
		Open o{};
		if (!(f >> tag >> o.pid >> ns) || tag != "open")
			continue;
		o.mnt_ns = "mnt:[" + ns + "]";
		std::getline(f >> std::ws, o.path);
		opens.push_back(o);
	}
	unlink(script_.c_str());
	return opens;
}

bool poke_fifo(const std::string &path)
{
	// Non-blocking: ENXIO until the container's shell opened its end.
	for (int i = 0; i < 200; i++) {
		int fd = open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0) {
			bool ok = write(fd, "go\n", 3) == 3;
			close(fd);
			return ok;
		}
		if (errno != ENXIO)
			return false;
		std::this_thread::sleep_for(50ms);
	}
	return false;
}

} // namespace bpfwatch::e2e

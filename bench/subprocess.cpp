// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "subprocess.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <stdexcept>

#include "util.h"

namespace bench {
namespace {

// Live children, for the signal handler. Few at a time: a fixed table.
constexpr int kMaxChildren = 16;
std::atomic<pid_t> g_children[kMaxChildren];

void remember(pid_t pid)
{
	for (auto &slot : g_children) {
		pid_t empty = 0;
		if (slot.compare_exchange_strong(empty, pid))
			return;
	}
}

void forget(pid_t pid)
{
	for (auto &slot : g_children) {
		pid_t p = pid;
		if (slot.compare_exchange_strong(p, 0))
			return;
	}
}

} // namespace

void kill_children_now()
{
	for (auto &slot : g_children) {
		pid_t p = slot.load();
		if (p > 0)
			kill(-p, SIGKILL);
	}
}

Child::Child(const std::vector<std::string> &argv, const std::string &cgroup_procs,
	     const std::string &stdout_path, const std::string &stderr_path, int stdin_fd, int stdout_fd)
	: name_(argv.at(0)), stderr_path_(stderr_path)
{
	// Everything the child needs is prepared here: after fork() in a
	// threaded process only async-signal-safe calls are allowed.
	std::vector<char *> args;
	for (const std::string &a : argv)
		args.push_back(const_cast<char *>(a.c_str()));
	args.push_back(nullptr);
	cpu_set_t cpus = tool_cpus();
	sigset_t none;
	sigemptyset(&none);
	pid_t parent = getpid();
	int err_pipe[2];
	if (pipe2(err_pipe, O_CLOEXEC) != 0)
		fail_errno("pipe", errno);

	pid_ = fork();
	if (pid_ < 0)
		fail_errno("fork " + name_, errno);
	if (pid_ == 0) {
		auto die = [&](int code) {
			int e = errno;
			(void)!write(err_pipe[1], &code, sizeof(code));
			(void)!write(err_pipe[1], &e, sizeof(e));
			_exit(127);
		};
		close(err_pipe[0]);
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE})
			signal(sig, SIG_DFL);
		sigprocmask(SIG_SETMASK, &none, nullptr);
		sched_setaffinity(0, sizeof(cpus), &cpus);
		int cg = open(cgroup_procs.c_str(), O_WRONLY);
		if (cg < 0 || write(cg, "0", 1) != 1)
			die(1);
		close(cg);
		int out = stdout_fd >= 0 ? stdout_fd : open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int in = stdin_fd >= 0 ? stdin_fd : open("/dev/null", O_RDONLY);
		if (out < 0 || err < 0 || in < 0)
			die(2);
		dup2(in, 0);
		dup2(out, 1);
		dup2(err, 2);
		execvp(args[0], args.data());
		die(3);
	}
	close(err_pipe[1]);
	setpgid(pid_, pid_); // also from here: no race with kill(-pid)
	remember(pid_);
	int code = 0, e = 0;
	ssize_t n = read(err_pipe[0], &code, sizeof(code));
	if (n == sizeof(code))
		(void)!read(err_pipe[0], &e, sizeof(e));
	close(err_pipe[0]);
	if (n == sizeof(code)) {
		stop();
		std::string step = code == 1 ? "move into " + cgroup_procs
				 : code == 2 ? "open its output files"
					     : "exec";
		fail_errno("start " + name_ + ": " + step, e);
	}
}

Child::~Child()
{
	stop();
}

bool Child::running()
{
	if (status_ != -1 || pid_ <= 0)
		return false;
	int st = 0;
	pid_t r = waitpid(pid_, &st, WNOHANG);
	if (r == pid_) {
		status_ = st;
		kill(-pid_, SIGKILL); // anything it left in its group
		forget(pid_);
		return false;
	}
	return true;
}

int Child::stop(std::chrono::milliseconds grace)
{
	if (pid_ <= 0)
		return -1;
	if (running()) {
		kill(-pid_, SIGTERM);
		std::uint64_t deadline = now_ns() + std::uint64_t(grace.count()) * 1000000ull;
		while (running() && now_ns() < deadline)
			sleep_ms(10);
		if (running()) {
			kill(-pid_, SIGKILL);
			int st = 0;
			if (waitpid(pid_, &st, 0) == pid_)
				status_ = st;
			forget(pid_);
		}
	}
	pid_ = -1;
	return status_;
}

std::string Child::stderr_tail() const
{
	std::string text = read_file(stderr_path_);
	std::size_t from = text.size() > 600 ? text.size() - 600 : 0;
	return text.substr(from);
}

} // namespace bench

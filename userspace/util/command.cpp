// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "util/command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <memory>

#include "util/error.h"
#include "util/fd.h"

extern char **environ;

namespace bpfwatch {
namespace {

using Clock = std::chrono::steady_clock;

bool executable(const std::string &path)
{
	struct stat st {};
	return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}


// posix_spawn's attribute and file-action objects, destroyed on every path.
struct SpawnSetup {
	posix_spawnattr_t attr;
	posix_spawn_file_actions_t actions;
	SpawnSetup()
	{
		posix_spawnattr_init(&attr);
		posix_spawn_file_actions_init(&actions);
	}
	~SpawnSetup()
	{
		posix_spawn_file_actions_destroy(&actions);
		posix_spawnattr_destroy(&attr);
	}
};

} // namespace

std::string find_program(const std::string &name)
{
	if (name.find('/') != std::string::npos)
		return executable(name) ? name : "";
	const char *path = std::getenv("PATH");
	std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
	std::size_t start = 0;
	while (start <= dirs.size()) {
		std::size_t end = dirs.find(':', start);
		if (end == std::string::npos)
			end = dirs.size();
		std::string dir = dirs.substr(start, end - start);
		std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
		if (executable(candidate))
			return candidate;
		start = end + 1;
	}
	return "";
}

CommandResult run_command(const std::vector<std::string> &argv, std::chrono::milliseconds timeout,
			  std::size_t max_output)
{
	if (argv.empty())
		throw Error("run_command: no program");
	std::string program = find_program(argv[0]);
	if (program.empty())
		throw Error(argv[0] + ": not found on PATH");

	int out_pipe[2], err_pipe[2];
	if (pipe2(out_pipe, O_CLOEXEC) != 0)
		throw Error(errno_message("pipe", errno));
	UniqueFd out_r(out_pipe[0]), out_w(out_pipe[1]);
	if (pipe2(err_pipe, O_CLOEXEC) != 0)
		throw Error(errno_message("pipe", errno));
	UniqueFd err_r(err_pipe[0]), err_w(err_pipe[1]);

	SpawnSetup s;
	posix_spawn_file_actions_addopen(&s.actions, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&s.actions, out_w.get(), 1);
	posix_spawn_file_actions_adddup2(&s.actions, err_w.get(), 2);
	// Its own process group: a Ctrl-C meant for bpfwatch's clean shutdown
	// must not kill a lookup halfway. Default signal dispositions and an
	// empty mask, whatever bpfwatch set up for itself.
	sigset_t none, defaults;
	sigemptyset(&none);
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGPIPE);
	sigaddset(&defaults, SIGINT);
	sigaddset(&defaults, SIGTERM);
	posix_spawnattr_setsigmask(&s.attr, &none);
	posix_spawnattr_setsigdefault(&s.attr, &defaults);
	posix_spawnattr_setpgroup(&s.attr, 0);
	posix_spawnattr_setflags(&s.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

	std::vector<char *> args;
	for (const std::string &a : argv)
		args.push_back(const_cast<char *>(a.c_str()));
	args.push_back(nullptr);
	pid_t pid = -1;
	if (int err = posix_spawn(&pid, program.c_str(), &s.actions, &s.attr, args.data(), environ))
		throw Error(errno_message("cannot run " + program, err));
	out_w.reset();
	err_w.reset();

	CommandResult r;
	std::string failure;
	const auto deadline = Clock::now() + timeout;
	while (out_r || err_r) {
		// Rounded up: poll() must not return before the deadline, or the
		// caller, timing it, would not call it a timeout.
		auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
		if (left.count() <= 0) {
			failure = argv[0] + ": no answer within " + std::to_string(timeout.count()) + " ms";
			break;
		}
		pollfd fds[2] = {{out_r.get(), POLLIN, 0}, {err_r.get(), POLLIN, 0}};
		int n = poll(fds, 2, static_cast<int>(left.count()));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			failure = errno_message("poll", errno);
			break;
		}
		UniqueFd *pipes[2] = {&out_r, &err_r};
		std::string *sinks[2] = {&r.out, &r.err};
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char buf[16384];
			ssize_t got = read(fds[i].fd, buf, sizeof(buf));
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0) {
				pipes[i]->reset();
				continue;
			}
			sinks[i]->append(buf, static_cast<std::size_t>(got));
		}
		if (r.out.size() + r.err.size() > max_output) {
			failure = argv[0] + ": more than " + std::to_string(max_output >> 20) + " MiB of output";
			break;
		}
	}
	// Closed pipes do not mean it exited: the deadline holds for the wait too.
	int status = 0;
	for (;;) {
		if (!failure.empty())
			kill(pid, SIGKILL);
		pid_t w = waitpid(pid, &status, failure.empty() ? WNOHANG : 0);
		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (w == 0 && Clock::now() >= deadline)
			failure = argv[0] + ": did not exit within " + std::to_string(timeout.count()) + " ms";
		else if (w == 0)
			usleep(2000);
	}
	if (!failure.empty())
		throw Error(failure);
	r.status = exit_status(status);
	return r;
}

int exit_status(int wait_status)
{
	if (WIFEXITED(wait_status))
		return WEXITSTATUS(wait_status);
	if (WIFSIGNALED(wait_status))
		return 128 + WTERMSIG(wait_status);
	return -1;
}

} // namespace bpfwatch

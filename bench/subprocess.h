// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A tool under test (bpftrace, the bpfwatch binary) run as a child: in its
// own process group, outside the watched cgroup (its own output must not be
// counted), on the CPUs other than the writer's, killed with the harness (PR_SET_PDEATHSIG) and
// always stopped and reaped by the destructor.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace bench {

class Child {
public:
	// @cgroup_procs: the cgroup.procs file the child moves itself into
	// before exec. stdout/stderr go to the given files ("/dev/null" ok);
	// @stdin_fd / @stdout_fd, when >= 0, are used instead (pipes).
	Child(const std::vector<std::string> &argv, const std::string &cgroup_procs,
	      const std::string &stdout_path, const std::string &stderr_path, int stdin_fd = -1,
	      int stdout_fd = -1);
	~Child();
	Child(const Child &) = delete;
	Child &operator=(const Child &) = delete;

	pid_t pid() const { return pid_; }
	bool running();
	// SIGTERM, wait up to @grace, then SIGKILL; always reaps. Returns the
	// wait status (or -1 when it had already been reaped).
	int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));
	// The last lines the child wrote to its stderr file, for error messages.
	std::string stderr_tail() const;
	const std::string &name() const { return name_; }

private:
	pid_t pid_ = -1;
	int status_ = -1;
	std::string name_, stderr_path_;
};

// From a signal handler: SIGKILL every live child's process group.
void kill_children_now();

} // namespace bench

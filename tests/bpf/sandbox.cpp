// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "bpf/sandbox.h"

#include "targets/cgroup.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

namespace bpfwatch::test {

std::string cgroup2_root()
{
	return detect_cgroup2_root();
}

CgroupSandbox::CgroupSandbox(const std::string &name)
{
	relative_ = "/" + name + "-" + std::to_string(getpid());
	path_ = cgroup2_root() + relative_;
	if (mkdir(path_.c_str(), 0755) != 0 && errno != EEXIST)
		throw std::runtime_error("mkdir " + path_);
	struct stat st {};
	stat(path_.c_str(), &st);
	id_ = st.st_ino;
}

CgroupSandbox::~CgroupSandbox()
{
	rmdir(path_.c_str());
}

int CgroupSandbox::run(const std::function<int()> &workload, int cpu)
{
	int go[2];
	if (pipe(go) != 0)
		return 255;
	pid_t child = fork();
	if (child == 0) {
		cpu_set_t one;
		CPU_ZERO(&one);
		CPU_SET(cpu >= 0 ? cpu : sched_getcpu(), &one);
		if (sched_setaffinity(0, sizeof(one), &one) != 0)
			_exit(255);
		close(go[1]);
		// Wait with poll(), not read(): the child is in the cgroup by
		// then, and a read would count as the workload's input.
		pollfd ready{go[0], POLLIN, 0};
		if (poll(&ready, 1, -1) != 1)
			_exit(255);
		close(go[0]);
		_exit(workload());
	}
	close(go[0]);
	std::ofstream(path_ + "/cgroup.procs") << child << std::flush;
	if (write(go[1], "x", 1) != 1)
		return 255;
	close(go[1]);
	int status = 0;
	waitpid(child, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

} // namespace bpfwatch::test

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/log_files.h"

#include <sys/stat.h>

namespace bpfwatch {

std::optional<LogFiles> log_files_of(pid_t pid, const std::string &proc_root)
{
	LogFiles lf{};
	bool any = false;
	for (int fd = 1; fd <= 2; fd++) {
		struct stat st {};
		// stat() follows /proc/PID/fd/N to the pipe or tty itself.
		std::string path = proc_root + "/" + std::to_string(pid) + "/fd/" + std::to_string(fd);
		if (pid <= 0 || stat(path.c_str(), &st) != 0)
			continue;
		if (!S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode))
			continue; // a file or socket is not a runtime's log pipe
		lf[fd - 1] = FileId{st.st_ino, kernel_dev(st.st_dev)};
		any = true;
	}
	if (!any)
		return std::nullopt;
	return lf;
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/log_files.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

namespace bpfwatch {

__u32 kernel_dev(dev_t dev)
{
	return (static_cast<__u32>(major(dev)) << 20) | static_cast<__u32>(minor(dev));
}

std::optional<bw_log_files> log_files_of(pid_t pid, const std::string &proc_root)
{
	bw_log_files lf{};
	bool any = false;
	for (int fd = 1; fd <= 2; fd++) {
		struct stat st {};
		// stat() follows /proc/PID/fd/N to the pipe or tty itself.
		std::string path = proc_root + "/" + std::to_string(pid) + "/fd/" + std::to_string(fd);
		if (pid <= 0 || stat(path.c_str(), &st) != 0)
			continue;
		if (!S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode))
			continue; // a file or socket is not a runtime's log pipe
		lf.ino[fd - 1] = st.st_ino;
		lf.dev[fd - 1] = kernel_dev(st.st_dev);
		any = true;
	}
	if (!any)
		return std::nullopt;
	return lf;
}

} // namespace bpfwatch

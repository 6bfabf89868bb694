// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "util/file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "util/error.h"
#include "util/fd.h"

namespace bpfwatch {

std::string read_text_file(const std::string &path)
{
	UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd)
		throw SystemError("cannot read " + path, errno);
	std::string out;
	char buf[4096];
	for (;;) {
		ssize_t n = read(fd.get(), buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			throw SystemError("cannot read " + path, errno);
		if (n == 0)
			return out;
		out.append(buf, static_cast<std::size_t>(n));
	}
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Reading the small text files of /proc and /sys.
#pragma once

#include <string>

namespace bpfwatch {

// The whole content of a file; throws SystemError naming the path and
// carrying the errno.
// procfs files report size 0, so it reads to EOF rather than trusting stat.
std::string read_text_file(const std::string &path);

} // namespace bpfwatch

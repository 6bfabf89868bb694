// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "util/error.h"

#include <cstdlib>
#include <cstring>

namespace bpfwatch {

std::string errno_message(const std::string &what, int err)
{
	return what + ": " + std::strerror(std::abs(err));
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "util/error.h"

#include <cstdlib>
#include <cstring>

namespace bpfwatch {

SystemError::SystemError(const std::string &what, int err) : Error(errno_message(what, err)), code_(std::abs(err)) {}

std::string errno_message(const std::string &what, int err)
{
	return what + ": " + std::strerror(std::abs(err));
}

} // namespace bpfwatch

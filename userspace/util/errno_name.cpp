// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "util/errno_name.h"

#include <cstring>

namespace bpfwatch {

std::string errno_name(int err)
{
	if (err < 0)
		err = -err;
	// strerrorname_np (glibc 2.32) returns NULL for unknown values and a
	// digit string for 0, neither of which is an errno name.
	const char *name = strerrorname_np(err);
	if (name && name[0] == 'E')
		return name;
	return "errno " + std::to_string(err);
}

std::string connect_error_name(int err)
{
	return err ? errno_name(err) : "abandoned";
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "util/file_id.h"

#include <sys/sysmacros.h>

namespace bpfwatch {

std::uint32_t kernel_dev(dev_t dev)
{
	return (static_cast<std::uint32_t>(major(dev)) << 20) | static_cast<std::uint32_t>(minor(dev));
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// An open file's identity as the kernel knows it: inode and device.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace bpfwatch {

struct FileId {
	std::uint64_t ino = 0;
	std::uint32_t dev = 0; // the kernel's dev_t: MAJOR << 20 | MINOR

	bool known() const { return ino != 0; }
	bool operator==(const FileId &) const = default;
};

// The kernel's dev_t for a stat() st_dev (glibc packs it differently).
std::uint32_t kernel_dev(dev_t dev);

} // namespace bpfwatch

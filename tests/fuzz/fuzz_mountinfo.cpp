// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// /proc/self/mountinfo: where the cgroup2 hierarchy is mounted, with the
// kernel's octal escapes undone.
#include "fuzz.h"
#include "targets/cgroup.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	using namespace bpfwatch;
	std::string_view text = fuzz::text_of(data, size);
	fuzz::rejecting([&] {
		if (auto m = find_cgroup2_mount(text))
			(void)relative_cgroup_path(m->mount_point, m->root);
	});
	fuzz::rejecting([&] { (void)unescape_mountinfo(text); });
	return 0;
}

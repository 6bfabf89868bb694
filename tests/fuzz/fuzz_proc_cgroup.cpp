// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// /proc/PID/cgroup (v2, hybrid or v1 layout), and what is made of the path
// it yields: the container it names, the path under a v2 root.
#include "fuzz.h"
#include "targets/cgroup.h"
#include "targets/container_id.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	using namespace bpfwatch;
	fuzz::rejecting([&] {
		std::string path = parse_proc_cgroup_v2(fuzz::text_of(data, size), "fuzz");
		if (auto ref = container_from_cgroup_path(path))
			(void)is_container_id(ref->id);
		(void)relative_cgroup_path("/sys/fs/cgroup", path);
		(void)join_cgroup_path("/sys/fs/cgroup", path);
	});
	return 0;
}

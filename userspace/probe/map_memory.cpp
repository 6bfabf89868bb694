// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "probe/map_memory.h"

#include <bpf/libbpf.h>

#include <fstream>
#include <string>

namespace bpfwatch {

std::uint64_t maps_memlock_bytes(const bpf_object *obj)
{
	std::uint64_t total = 0;
	bpf_map *map;

	bpf_object__for_each_map(map, obj)
	{
		std::ifstream info("/proc/self/fdinfo/" + std::to_string(bpf_map__fd(map)));
		std::string line;
		while (std::getline(info, line))
			if (line.rfind("memlock:", 0) == 0)
				total += std::stoull(line.substr(8));
	}
	return total;
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "probe/map_util.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "util/error.h"
#include "util/file.h"

namespace bpfwatch {

int possible_cpus()
{
	int n = libbpf_num_possible_cpus();
	if (n <= 0)
		throw Error(errno_message("count possible CPUs", n));
	return n;
}

std::uint64_t maps_memlock_bytes(const bpf_object *obj)
{
	std::uint64_t total = 0;
	bpf_map *map;

	bpf_object__for_each_map(map, obj)
	{
		std::string info = read_text_file("/proc/self/fdinfo/" + std::to_string(bpf_map__fd(map)));
		auto at = info.find("memlock:");
		if (at != std::string::npos)
			total += std::strtoull(info.c_str() + at + 8, nullptr, 10);
	}
	return total;
}

std::string load_error(const std::string &what, int err, const std::string &privileges)
{
	err = std::abs(err);
	if (err == EPERM)
		return errno_message("load " + what, err) + " (needs " + privileges + ")";
	// What the verifier returns when it refuses a program: its log says why.
	if (err == EACCES || err == EINVAL)
		return "the kernel's verifier rejected " + what + " (" + std::strerror(err) +
		       "); run with -v for its log";
	return errno_message("load " + what, err) + " (run with -v for libbpf's log)";
}

} // namespace bpfwatch

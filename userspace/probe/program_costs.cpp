// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "probe/program_costs.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <fstream>

namespace bpfwatch {

std::vector<ProgramCost> program_costs(const bpf_object *obj)
{
	std::vector<ProgramCost> out;
	bpf_program *prog;

	bpf_object__for_each_program(prog, obj)
	{
		int fd = bpf_program__fd(prog);
		if (fd < 0)
			continue; // not loaded (autoload off)
		bpf_prog_info info{};
		__u32 len = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		out.push_back({bpf_program__name(prog), info.run_cnt, info.run_time_ns});
	}
	return out;
}

std::optional<bool> bpf_stats_enabled(const std::string &path)
{
	std::ifstream in(path);
	int value = 0;
	if (!(in >> value))
		return std::nullopt;
	return value != 0;
}

} // namespace bpfwatch

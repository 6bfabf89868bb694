// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "probe/forced_failure.h"

#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <sstream>

namespace bpfwatch {

ForcedFailure forced_failure(const std::string &program)
{
	const char *env = std::getenv("BPFWATCH_FAIL_PROGRAM");
	if (!env)
		return ForcedFailure::none;
	std::istringstream list(env);
	for (std::string item; std::getline(list, item, ',');) {
		auto colon = item.find(':');
		if (item.substr(0, colon) != program)
			continue;
		std::string mode = colon == std::string::npos ? "attach" : item.substr(colon + 1);
		return mode == "load" ? ForcedFailure::load : ForcedFailure::attach;
	}
	return ForcedFailure::none;
}

void force_load_failures(bpf_object *obj)
{
	bpf_program *prog;
	bpf_object__for_each_program(prog, obj)
	{
		if (!bpf_program__autoload(prog) || forced_failure(bpf_program__name(prog)) != ForcedFailure::load)
			continue;
		spdlog::warn("BPFWATCH_FAIL_PROGRAM: loading {} as a socket filter, which the verifier rejects",
			     bpf_program__name(prog));
		bpf_program__set_type(prog, BPF_PROG_TYPE_SOCKET_FILTER);
	}
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "probe/run_on_cpu.h"

#include <bpf/bpf.h>

#include <cerrno>

#include "util/error.h"

namespace bpfwatch {

void run_on_cpu(int prog_fd, int cpu, int attempts, std::uint64_t *runs, const std::string &what)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = std::uint32_t(cpu));
	for (int attempt = 0; attempt < attempts; attempt++) {
		int err = bpf_prog_test_run_opts(prog_fd, &opts);
		if (runs)
			*runs += 1;
		if (err == -ENXIO || (!err && opts.retval == 0))
			return;
		if (err)
			throw Error(errno_message(what + " on CPU " + std::to_string(cpu), err));
	}
}

} // namespace bpfwatch

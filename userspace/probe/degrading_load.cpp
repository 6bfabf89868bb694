// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "probe/degrading_load.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <cstring>

namespace bpfwatch {

std::string load_refusal(int err, const std::string &privileges)
{
	err = std::abs(err);
	if (err == EPERM)
		return std::string("the kernel refused its load: ") + std::strerror(err) + " (needs " + privileges +
		       ")";
	if (err == EACCES || err == EINVAL)
		return std::string("the kernel's verifier rejected it (") + std::strerror(err) +
		       "); run with -v for its log";
	return std::string("the kernel refused its load: ") + std::strerror(err);
}

void leave_out(bpf_object *obj, const std::set<std::string> &left_out)
{
	for (const std::string &name : left_out)
		if (bpf_program *prog = bpf_object__find_program_by_name(obj, name.c_str()))
			bpf_program__set_autoload(prog, false);
}

void log_degraded(const Degraded &d)
{
	spdlog::debug("running without {}: {}", d.program, d.why);
	if (!d.verifier_log.empty())
		spdlog::debug("the verifier's log for {}:\n{}", d.program, d.verifier_log);
}

bpf_link *attach_program(bpf_program *prog)
{
	if (forced_failure(bpf_program__name(prog)) == ForcedFailure::attach) {
		spdlog::warn("BPFWATCH_FAIL_PROGRAM: attaching {} to raw tracepoint {}, which does not exist",
			     bpf_program__name(prog), kMissingTracepoint);
		return bpf_program__attach_raw_tracepoint(prog, kMissingTracepoint);
	}
	return bpf_program__attach(prog);
}

bool attach_optional(bpf_program *prog, bpf_link **link, const std::string &not_covered, DegradedList &degraded)
{
	// Owned by the skeleton from here: its destroy() detaches it.
	*link = attach_program(prog);
	if (*link)
		return true;
	int err = errno;
	const char *sec = bpf_program__section_name(prog);
	degraded.push_back({bpf_program__name(prog), not_covered,
			    errno_message(std::string("the kernel refused to attach it (") + sec + ")", err), ""});
	log_degraded(degraded.back());
	return false;
}

} // namespace bpfwatch

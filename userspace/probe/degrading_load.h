// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Loading and attaching an object's programs one refusal at a time: an
// optional program the kernel refuses is left out (a Degraded entry says
// what is then not covered, and why) and the rest are loaded or attached
// anyway; a refused program that is not optional is an error.
#pragma once

#include <bpf/libbpf.h>

#include <cerrno>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "probe/degraded.h"
#include "probe/forced_failure.h"
#include "probe/libbpf_log.h"
#include "probe/map_util.h"
#include "util/error.h"

namespace bpfwatch {

// An object's optional programs: name -> what it alone counts.
using OptionalPrograms = std::map<std::string, std::string>;

// One line for a refused load, naming the capability it lacked.
std::string load_refusal(int err, const std::string &privileges);
// Turns off autoload of each program named in @left_out.
void leave_out(bpf_object *obj, const std::set<std::string> &left_out);
// Says on stderr (-v: with the verifier's log) what runs without it.
void log_degraded(const Degraded &d);

// Opens, configures (@configure) and loads a skeleton. Each optional
// program the kernel refuses is left out and the object opened again (a
// libbpf object loads once); a refusal of any other program throws
// load_error(@what). Bounded: each optional program is left out once.
template <class Skel>
std::unique_ptr<Skel, void (*)(Skel *)> load_degrading(const std::function<void(Skel &)> &configure,
						       const OptionalPrograms &optional, const std::string &what,
						       const std::string &privileges, DegradedList &degraded)
{
	std::set<std::string> left_out;
	for (;;) {
		std::unique_ptr<Skel, void (*)(Skel *)> skel(Skel::open(), Skel::destroy);
		if (!skel)
			throw Error(errno_message("open " + what, errno));
		configure(*skel);
		leave_out(skel->obj, left_out);
		force_load_failures(skel->obj);
		LibbpfLoadCapture capture;
		int err = Skel::load(skel.get());
		if (!err)
			return skel;
		auto failed = capture.failure();
		if (!failed || !optional.count(failed->program) || left_out.count(failed->program))
			throw Error(load_error(what, err, privileges));
		left_out.insert(failed->program);
		degraded.push_back({failed->program, optional.at(failed->program),
				    load_refusal(failed->err, privileges), failed->verifier_log});
		log_degraded(degraded.back());
	}
}

// Attaches @prog where its section says (a forced failure: to a
// tracepoint no kernel has). Null with errno set when the kernel refuses.
bpf_link *attach_program(bpf_program *prog);

// Attaches an optional program: a refusal becomes a Degraded entry.
// Returns whether it is attached.
bool attach_optional(bpf_program *prog, bpf_link **link, const std::string &not_covered, DegradedList &degraded);

} // namespace bpfwatch

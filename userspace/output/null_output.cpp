// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// --output none: the headless daemon prints nothing; its numbers go out
// through --metrics.
#include "output/output.h"

namespace bpfwatch {
namespace {

class NullOutput : public Output {
public:
	void report(const Report &) override {}
	void record(const Record &, const Target &) override {}
	void flush() override {}
	void notice(const std::string &, const Target &, const std::string &) override {}
	void alert(const SilenceAlert &, const Target &) override {}
};

} // namespace

std::unique_ptr<Output> make_null_output()
{
	return std::make_unique<NullOutput>();
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "support/skip.h"

#include <cstdlib>
#include <string>

namespace bpfwatch::test {

bool skips_are_failures()
{
	for (const char *name : {"BPFWATCH_TEST_REQUIRED", "BPFWATCH_E2E_REQUIRED"}) {
		const char *v = std::getenv(name);
		if (v && std::string(v) == "1")
			return true;
	}
	return false;
}

} // namespace bpfwatch::test

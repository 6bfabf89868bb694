// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The one way a test gives up because the machine lacks something: on a
// developer's laptop it skips, saying why; under scripts/test (CI), which
// exports BPFWATCH_TEST_REQUIRED=1, it fails, so a green run means every
// test ran. BPFWATCH_E2E_REQUIRED=1, the older name, counts too.
#pragma once

#include <gtest/gtest.h>

namespace bpfwatch::test {

bool skips_are_failures();

} // namespace bpfwatch::test

// Like GTEST_SKIP() and FAIL(), it returns from the calling void function
// (a TEST body, SetUp, or a helper whose caller checks IsSkipped() and
// HasFailure()). @reason is anything a gtest Message takes.
#define BW_SKIP_OR_FAIL(reason)                                                                          \
	do {                                                                                             \
		if (::bpfwatch::test::skips_are_failures())                                              \
			FAIL() << "would skip, but BPFWATCH_TEST_REQUIRED=1 (scripts/test): " << (reason); \
		else                                                                                     \
			GTEST_SKIP() << (reason);                                                        \
	} while (0)

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// What bpfwatch says about a kernel it cannot run on, before loading anything.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "probe/preflight.h"
#include "support/skip.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

std::string error_of(const std::string &path)
{
	try {
		check_kernel_btf(path);
	} catch (const Error &e) {
		return e.what();
	}
	return "";
}

TEST(Preflight, NoKernelBtfNamesTheConfigOption)
{
	std::string err = error_of("/nonexistent/btf/vmlinux");
	EXPECT_NE(err.find("kernel BTF not found at /nonexistent/btf/vmlinux"), std::string::npos) << err;
	EXPECT_NE(err.find("CONFIG_DEBUG_INFO_BTF=y"), std::string::npos) << err;
}

TEST(Preflight, UnreadableBtfSaysWhichFile)
{
	char tmpl[] = "/tmp/bpfwatch-unit-btf-XXXXXX";
	int fd = mkstemp(tmpl);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(write(fd, "not BTF", 7), 7);
	close(fd);
	std::string err = error_of(tmpl);
	unlink(tmpl);
	EXPECT_NE(err.find(std::string("read kernel BTF ") + tmpl), std::string::npos) << err;
}

TEST(Preflight, ThisKernelsBtfPasses)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
		BW_SKIP_OR_FAIL("this machine has no kernel BTF");
	EXPECT_EQ(error_of("/sys/kernel/btf/vmlinux"), "");
}

} // namespace
} // namespace bpfwatch

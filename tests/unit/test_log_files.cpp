// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "targets/log_files.h"

namespace bpfwatch {
namespace {

TEST(LogFiles, KernelDevEncodesMajorAndMinorAsTheKernelDoes)
{
	EXPECT_EQ(kernel_dev(makedev(136, 3)), (136u << 20) | 3u);
	EXPECT_EQ(kernel_dev(makedev(0, 14)), 14u);
}

TEST(LogFiles, AProcessStdoutPipeAndStderrPipe)
{
	int out[2], err[2], go[2], ready[2];
	ASSERT_EQ(pipe(out), 0);
	ASSERT_EQ(pipe(err), 0);
	ASSERT_EQ(pipe(go), 0);
	ASSERT_EQ(pipe(ready), 0);
	pid_t child = fork();
	if (child == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		char c = 'r';
		(void)!write(ready[1], &c, 1);
		close(go[1]);
		(void)!read(go[0], &c, 1); // until the parent has looked
		_exit(0);
	}
	char c;
	ASSERT_EQ(read(ready[0], &c, 1), 1);
	struct stat so {}, se {};
	fstat(out[1], &so);
	fstat(err[1], &se);
	auto lf = log_files_of(child);
	close(go[1]);
	waitpid(child, nullptr, 0);
	ASSERT_TRUE(lf);
	EXPECT_EQ((*lf)[0].ino, so.st_ino);
	EXPECT_EQ((*lf)[1].ino, se.st_ino);
	EXPECT_EQ((*lf)[0].dev, kernel_dev(so.st_dev));
	EXPECT_FALSE(log_files_of(child)) << "gone";
	EXPECT_FALSE(log_files_of(0));
}

} // namespace
} // namespace bpfwatch

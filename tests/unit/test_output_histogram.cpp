// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "output/histogram_text.h"
#include "output/text.h"

namespace bpfwatch {
namespace {

TEST(OutputHistogram, BucketLabels)
{
	EXPECT_EQ(bucket_label(0), "[0, 1]");
	EXPECT_EQ(bucket_label(1), "(1, 2]");
	EXPECT_EQ(bucket_label(2), "(2, 4]");
	EXPECT_EQ(bucket_label(3), "(4, 8]");
	EXPECT_EQ(bucket_label(10), "(512, 1K]");
	EXPECT_EQ(bucket_label(11), "(1K, 2K]");
	EXPECT_EQ(bucket_label(20), "(512K, 1M]");
	EXPECT_EQ(bucket_label(30), "(512M, 1G]");
	EXPECT_EQ(bucket_label(33), "(4G, 8G]");
	EXPECT_EQ(bucket_label(63), "(4E, 8E]");
}

TEST(OutputHistogram, LabelsMatchTheBuckets)
{
	// Each label's upper bound lands in that bucket, the next value past it
	// in the next one.
	EXPECT_EQ(Log2Histogram::bucket_of(1024), 10);
	EXPECT_EQ(Log2Histogram::bucket_of(1025), 11);
}

TEST(OutputHistogram, DrawsFromFirstToLastNonEmptyBucket)
{
	Log2Histogram h;
	h.add(3, 2);     // (2, 4]
	h.add(100, 8);   // (64, 128]
	h.add(1000, 4);  // (512, 1K]
	h.add(1500, 1);  // (1K, 2K]
	// 52 columns of bar, as bpftrace: 8 -> 52, 4 -> 26, 2 -> 13, 1 -> 6.
	const std::string expected =
		"bytes per call (log2):\n"
		"(2, 4]                 2 |@@@@@@@@@@@@@                                       |\n"
		"(4, 8]                 0 |                                                    |\n"
		"(8, 16]                0 |                                                    |\n"
		"(16, 32]               0 |                                                    |\n"
		"(32, 64]               0 |                                                    |\n"
		"(64, 128]              8 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"(128, 256]             0 |                                                    |\n"
		"(256, 512]             0 |                                                    |\n"
		"(512, 1K]              4 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"(1K, 2K]               1 |@@@@@@                                              |\n";
	EXPECT_EQ(histogram_text(h, "", 79), expected);
}

TEST(OutputHistogram, BucketZeroAndIndent)
{
	Log2Histogram h;
	h.add(0);
	h.add(1);
	h.add(2);
	std::string text = histogram_text(h, "  ", 80);
	std::istringstream in(text);
	std::string line;
	std::getline(in, line);
	EXPECT_EQ(line, "  bytes per call (log2):");
	std::getline(in, line);
	EXPECT_EQ(line, "  [0, 1]" + std::string(17, ' ') + "2 |" + std::string(51, '@') + "|");
	std::getline(in, line);
	EXPECT_EQ(line, "  (1, 2]" + std::string(17, ' ') + "1 |" + std::string(25, '@') +
				std::string(26, ' ') + "|");
	EXPECT_EQ(display_width(line), 80u);
}

TEST(OutputHistogram, HugeCountsStayWithinWidth)
{
	Log2Histogram h;
	h.add(4096, UINT64_MAX / 2);
	h.add(8192, 1);
	std::istringstream in(histogram_text(h, "  ", 80));
	std::string line;
	while (std::getline(in, line))
		EXPECT_LE(display_width(line), 80u) << line;
}

TEST(OutputHistogram, EmptyDrawsNothing)
{
	EXPECT_EQ(histogram_text(Log2Histogram{}), "");
}

} // namespace
} // namespace bpfwatch

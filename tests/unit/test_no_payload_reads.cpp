// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// No payload byte is ever read: the only helper in bpf/ that reads user
// memory is bpf_probe_read_user, at the four reviewed places below, each
// reading a header or an address (docs/RELIABILITY.md says what each
// reads). A new call site, or another user-memory helper, fails here and
// needs that review.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace bpfwatch {
namespace {

// A line of code, not of a comment.
bool is_code(const std::string &line)
{
	auto first = line.find_first_not_of(" \t");
	return first != std::string::npos && line.compare(first, 1, "*") != 0 && line.compare(first, 2, "/*") != 0 &&
	       line.compare(first, 2, "//") != 0;
}

std::map<std::string, int> calls_in_bpf(const std::string &helper)
{
	std::map<std::string, int> out;
	for (const auto &entry : std::filesystem::directory_iterator(std::string(BPFWATCH_SOURCE_DIR) + "/bpf")) {
		std::ifstream in(entry.path());
		for (std::string line; std::getline(in, line);)
			if (is_code(line) && line.find(helper + "(") != std::string::npos)
				out[entry.path().filename().string()]++;
	}
	return out;
}

TEST(NoPayloadReads, UserMemoryIsReadOnlyAtTheReviewedPlaces)
{
	// user_read.bpf.h, and only there: bw_read_user_word (at most 8
	// bytes: recvfrom's *addrlen, an mmsghdr's msg_len, a sockaddr's
	// family, port and IPv4 address), bw_read_user_msg_name (a msghdr's
	// msg_name and msg_namelen), bw_msg_dest (an IPv6 address or a unix
	// path, at most addrlen bytes). Never a buffer or an iovec's contents.
	EXPECT_EQ(calls_in_bpf("bpf_probe_read_user"), (std::map<std::string, int>{{"user_read.bpf.h", 4}}));
	for (const char *helper : {"bpf_probe_read_user_str", "bpf_copy_from_user", "bpf_copy_from_user_task",
				   "bpf_probe_read", "bpf_probe_read_str", "bpf_skb_load_bytes_relative"})
		EXPECT_TRUE(calls_in_bpf(helper).empty()) << helper;
	// Packets: headers only, through bw_load (packet.bpf.h).
	EXPECT_EQ(calls_in_bpf("bpf_skb_load_bytes"), (std::map<std::string, int>{{"packet.bpf.h", 1}}));
}

} // namespace
} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Shared by the targets tests: fixture files and scratch directories.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace bpfwatch::test {

inline std::string fixture(const std::string &name)
{
	std::string path = std::string(BPFWATCH_FIXTURES) + "/targets/" + name;
	std::ifstream in(path);
	EXPECT_TRUE(in.good()) << "missing fixture " << path;
	std::ostringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

inline std::string fixture_path(const std::string &name)
{
	return std::string(BPFWATCH_FIXTURES) + "/targets/" + name;
}

// A directory tree removed when the test ends; plain directories have
// inodes just like cgroupfs ones, which is all the id logic looks at.
class ScratchDir {
public:
	ScratchDir()
	{
		char tmpl[] = "/tmp/bwtest-targets-XXXXXX";
		path_ = mkdtemp(tmpl);
	}
	~ScratchDir()
	{
		std::error_code ec;
		std::filesystem::remove_all(path_, ec);
	}
	ScratchDir(const ScratchDir &) = delete;
	ScratchDir &operator=(const ScratchDir &) = delete;

	const std::string &path() const { return path_; }

	std::string mkdirs(const std::string &rel) const
	{
		std::string p = path_ + rel;
		std::filesystem::create_directories(p);
		return p;
	}

	void write(const std::string &rel, const std::string &text) const
	{
		std::filesystem::create_directories(
			std::filesystem::path(path_ + rel).parent_path());
		std::ofstream(path_ + rel) << text;
	}

private:
	std::string path_;
};

inline std::uint64_t inode_of(const std::string &path)
{
	struct stat st {};
	EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
	return st.st_ino;
}

} // namespace bpfwatch::test

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Driving build/bpfwatch and a real dockerd like a user would.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bpfwatch::e2e {

struct CommandResult {
	int status = -1; // exit code, or 128 + signal
	std::string out;
};

// Runs `sh -c command`, capturing stdout (stderr goes to the test log).
CommandResult sh(const std::string &command);
std::string sh_out(const std::string &command); // stdout, trailing newline cut

// A process with stdout and stderr captured in files, in a process group of
// its own that is killed on destruction.
class Subprocess {
public:
	explicit Subprocess(std::vector<std::string> argv);
	~Subprocess();
	Subprocess(const Subprocess &) = delete;
	Subprocess &operator=(const Subprocess &) = delete;

	pid_t pid() const { return pid_; }
	// True once stderr contains `text`, false after `timeout`.
	bool wait_for_stderr(const std::string &text, std::chrono::milliseconds timeout);
	// Exit status (or 128 + signal); -1 if still running after timeout.
	int wait(std::chrono::milliseconds timeout);
	void signal(int sig);       // the process itself
	void signal_group(int sig); // it and its children
	std::string out() const;
	std::string err() const;

private:
	pid_t pid_ = -1;
	int status_ = -1;
	std::string out_path_, err_path_;
};

// The JSON lines of `text` with "type" == type.
std::vector<nlohmann::json> json_lines(const std::string &text, const std::string &type);

// Polls `check` every 100 ms until it returns true or `timeout` passes.
bool eventually(const std::function<bool()> &check, std::chrono::milliseconds timeout);

// Skips the test (with the reason) unless root and a dockerd answer; under
// scripts/test fails instead (BW_SKIP_OR_FAIL, support/skip.h).
void require_docker();
// Ids of the BPF programs process `pid` holds now (bpftool prog show).
std::set<std::uint32_t> programs_held_by(pid_t pid);
// Which of `ids` are still loaded in the kernel, after giving its deferred
// (RCU) freeing of closed links and programs a few seconds.
std::set<std::uint32_t> still_loaded(const std::set<std::uint32_t> &ids);

// An HTTP GET (libcurl, 10 s timeout): status 0 when nothing answered.
struct Reply {
	long status = 0;
	std::string body;
};
Reply http_get(const std::string &url);

// A loopback TCP port the kernel says is free now (closed again: a tiny
// race), for a --metrics address.
std::uint16_t free_loopback_port();

constexpr const char *kImage = "bpfwatch-test-busybox:latest";

// A docker container removed (by name, forcibly) on destruction.
class Container {
public:
	Container(std::string name, const std::string &run_args, const std::string &command);
	~Container();
	const std::string &name() const { return name_; }
	std::string id() const;
	std::string ip() const; // on the default bridge
	std::string logs() const;

private:
	std::string name_;
};

} // namespace bpfwatch::e2e

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The toolbox tests' side of a container engine (Docker or Podman, as this
// machine runs them), a container's observable state, and a trace of the
// files a process opens, with the mount namespace each was opened in.
#pragma once

#include <sys/types.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "e2e/e2e_support.h"

namespace bpfwatch::e2e {

struct Engine {
	std::string name;        // "docker" or "podman"
	std::string cli;         // the command with its global flags
	std::string run_flags;   // flags every `run` needs on this machine
	std::string test_image;  // the busybox test image, as this engine names it
	std::string global_args; // for TOOLBOX_RUNTIME_GLOBAL_ARGS
};

// Podman on this machine needs runc, the cgroupfs manager and low ulimits
// (ENVIRONMENT.md); BPFWATCH_E2E_PODMAN_ARGS and BPFWATCH_E2E_PODMAN_RUN_ARGS
// override them for other machines.
Engine docker_engine();
Engine podman_engine();

// Skips (or, under scripts/test, fails: BW_SKIP_OR_FAIL) unless root, the engine
// answers and has the busybox test image; then makes sure the toolbox
// image is built from this tree (scripts/build-toolbox-image: quick when
// up to date).
void require_toolbox(const Engine &engine);

// argv for `scripts/toolbox ARGS...` with every TOOLBOX_* setting given
// explicitly (no rc file is read: HOME is a scratch directory).
std::vector<std::string> toolbox_argv(const Engine &engine, const std::vector<std::string> &args,
				      const std::vector<std::string> &env = {});

// A container of `engine`, removed (forcibly, at once) on destruction.
class EngineContainer {
public:
	EngineContainer(const Engine &engine, std::string name, const std::string &run_args,
			const std::string &command);
	~EngineContainer();
	EngineContainer(const EngineContainer &) = delete;
	EngineContainer &operator=(const EngineContainer &) = delete;

	const std::string &name() const { return name_; }
	std::string inspect(const std::string &format) const;
	std::string id() const { return inspect("{{.Id}}"); }
	pid_t pid() const;
	std::string logs() const;

private:
	const Engine &engine_;
	std::string name_;
};

// What an observer could change in a container: exec sessions, files,
// restarts, processes, its start.
struct ContainerState {
	std::string exec_ids; // JSON list, "[]" when none (Docker says null)
	std::string restart_count;
	std::string started_at;
	pid_t pid = 0;
	std::string diff;        // `diff`: files added, changed or deleted
	std::set<pid_t> procs;   // cgroup.procs of its cgroup
	std::string mnt_ns;      // readlink /proc/PID/ns/mnt
	bool operator==(const ContainerState &) const = default;
};
ContainerState snapshot(const Engine &engine, const EngineContainer &c);
std::string describe(const ContainerState &s);

// Every open/openat/openat2 by a process whose comm is `comm`, traced with
// bpftrace from before start() returns until stop().
class OpenTrace {
public:
	struct Open {
		pid_t pid;
		std::string mnt_ns; // "mnt:[N]", as /proc/PID/ns/mnt reads
		std::string path;
	};

	explicit OpenTrace(const std::string &comm);
	// False (with the reason in error()) when bpftrace did not attach.
	bool start();
	std::vector<Open> stop();
	std::string error() const { return error_; }

private:
	std::string script_;
	std::unique_ptr<Subprocess> proc_;
	std::string error_;
};

// Writes one line into a FIFO once its reader waits (bounded retries).
bool poke_fifo(const std::string &path);

} // namespace bpfwatch::e2e

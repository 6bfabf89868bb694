// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "session/resolve.h"

#include <sys/stat.h>

#include <iostream>
#include <thread>

#include "probe/preflight.h"
#include "session/signals.h"
#include "targets/cgroup.h"
#include "targets/runtimes.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

bool is_socket(const std::string &path)
{
	struct stat st {};
	return stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

// --container, --pod or --label: the container runtime is asked.
bool selects_containers(const ResolveOptions &opts)
{
	return !opts.containers.empty() || !opts.pods.empty() || !opts.labels.empty();
}

std::vector<Target> resolve_waiting(const ResolveOptions &opts, std::optional<std::chrono::milliseconds> limit)
{
	using Clock = std::chrono::steady_clock;
	const auto start = Clock::now();
	std::string said;
	for (;;) {
		try {
			return resolve_targets(opts);
		} catch (const Error &e) {
			if (stop_requested() || (limit && Clock::now() - start >= *limit))
				throw;
			if (said != e.what())
				std::cerr << "bpfwatch: waiting: " << e.what() << std::endl;
			said = e.what();
		}
		std::this_thread::sleep_for(std::chrono::seconds(1));
	}
}

} // namespace

TargetBook resolve_book(const ResolveOptions &opts, const Waiting &wait)
{
	// Privileges first: without them nothing else can work, and a runtime
	// socket refused for lack of them would hide which one is missing.
	check_can_load_probes();
	std::vector<Target> targets;
	if (selects_containers(opts) || !opts.cgroups.empty() || !opts.pids.empty())
		targets = wait.enabled ? resolve_waiting(opts, wait.limit) : resolve_targets(opts);

	std::shared_ptr<CgroupNamer> namer = CgroupNamer::from_options(opts);
	return TargetBook(std::move(targets), cgroup_root_or_detect(opts.cgroup_root),
			  [namer](std::uint64_t id) { return namer->describe(id); });
}

Follower::Lookup make_lookup(const ResolveOptions &opts)
{
	std::string root = cgroup_root_or_detect(opts.cgroup_root);
	std::shared_ptr<ContainerSource> source;
	if (selects_containers(opts))
		source = make_container_source(opts);
	return [source, root, proc = opts.proc_root](const Target &t) {
		if (t.runtime == "cgroup") {
			// A --cgroup target comes back when its path is made again.
			ContainerLookup l;
			struct stat st {};
			if (stat(join_cgroup_path(root, t.query).c_str(), &st) == 0) {
				l.state = ContainerLookup::State::running;
				l.target = t;
				l.target.cgroup_id = st.st_ino;
			}
			return l;
		}
		if (!source)
			throw Error("no container runtime to ask about " + t.name);
		return look_up_container(t, *source, root, proc);
	};
}

std::unique_ptr<RuntimeEvents> make_runtime_events(const ResolveOptions &opts)
{
	if (!selects_containers(opts))
		return nullptr;
	if ((opts.runtime == "auto" || opts.runtime == "docker") && is_socket(opts.docker_socket))
		return std::make_unique<RuntimeEvents>(opts.docker_socket, "docker");
	if ((opts.runtime == "auto" || opts.runtime == "podman") && is_socket(opts.podman_socket))
		return std::make_unique<RuntimeEvents>(opts.podman_socket, "podman");
	return nullptr;
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// From what the user named to a book of targets, once the privileges to
// load the probes are known to be there; and how to find them again.
#pragma once

#include <chrono>
#include <memory>
#include <optional>

#include "session/follower.h"
#include "session/target_book.h"
#include "targets/resolver.h"
#include "targets/runtime_events.h"

namespace bpfwatch {

// --wait: a container that does not run yet is waited for, asking once a
// second, for `limit` (or without end), instead of failing at once.
struct Waiting {
	bool enabled = false;
	std::optional<std::chrono::milliseconds> limit;
};

// Resolves what the options name (nothing: everything) and checks that the
// probes can load. Throws Error naming what it could not find or lacks.
TargetBook resolve_book(const ResolveOptions &options, const Waiting &wait = {});

// How the follower asks what became of a target: the container runtime
// for containers, the cgroup filesystem for a --cgroup path.
Follower::Lookup make_lookup(const ResolveOptions &options);
// The runtime's event stream, when a runtime with a Docker-compatible
// socket is there and containers are selected; nullptr otherwise.
// containerd and CRI-O have none: their targets are asked periodically.
std::unique_ptr<RuntimeEvents> make_runtime_events(const ResolveOptions &options);

} // namespace bpfwatch

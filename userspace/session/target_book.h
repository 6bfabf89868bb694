// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Which cgroups are watched and what they are called. Explicit targets are
// fixed at start; when watching everything, cgroups are named on first
// sight through the runtime (container name) or their cgroup path.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "targets/target.h"

namespace bpfwatch {

class TargetBook {
public:
	using Namer = std::function<Target(std::uint64_t cgroup_id)>;

	// Explicit targets, or none with a namer for "everything".
	TargetBook(std::vector<Target> targets, std::string cgroup_root, Namer namer);

	bool watching_everything() const { return everything_; }
	const Target &target(std::uint64_t cgroup_id);
	std::vector<std::uint64_t> explicit_ids() const;

	// Explicit targets whose cgroup directory is gone (the container
	// exited); each is reported once and then dropped from the book.
	std::vector<Target> take_exited();
	bool empty() const { return targets_.empty(); }
	// Watching everything: ids of discovered cgroups whose directory is
	// gone, dropped from the book so their kernel totals can be freed.
	std::vector<std::uint64_t> take_vanished();
	// The cgroups named on first sight so far (watching everything).
	const std::map<std::uint64_t, Target> &discovered() const { return named_; }
	// A target's cgroup v2 directory.
	std::string dir_of(const Target &t) const;

private:
	bool alive(const Target &t) const;

	bool everything_;
	std::string cgroup_root_;
	Namer namer_;
	std::map<std::uint64_t, Target> targets_; // explicit, by cgroup id
	std::map<std::uint64_t, Target> named_;   // discovered, by cgroup id
};

} // namespace bpfwatch

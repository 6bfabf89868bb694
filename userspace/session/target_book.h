// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Which cgroups are watched and what they are called.
//
// Explicit targets (what the user named) each hold one probe slot, in the
// order given, and are followed: when a container restarts it comes back
// in a new cgroup, and the book records it under the same key (its first
// cgroup id), so the model keeps one set of numbers per target, summed over
// its lives. When watching everything, cgroups are named on first sight
// through the runtime (container name) or their cgroup path.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "targets/target.h"

namespace bpfwatch {

// An explicit target, as it is now, and the cgroups it has had.
struct Watched {
	enum class State {
		running, // its cgroup is there
		stopped, // its cgroup is gone; it may come back
		removed, // the runtime no longer knows it (it may be re-created)
	};
	using Clock = std::chrono::steady_clock;

	Target target;      // now: cgroup, container id, pid (those of its last life)
	std::uint64_t key;  // the model's key: its first cgroup id, for good
	std::size_t slot;   // its probes' slot
	int restarts = 0;   // lives after the first
	State state = State::running;
	Clock::time_point since{}; // when it entered its state
	std::vector<std::uint64_t> cgroups{}; // every cgroup it has had, first first
	// Running in a life the kernel joined that the runtime has not told
	// about yet: it is still asked, for the life's process and log pipes.
	bool adopted = false;

	// A container or a cgroup path can come back; a --pid target cannot.
	bool followable() const { return !target.query.empty(); }
};

class TargetBook {
public:
	using Namer = std::function<Target(std::uint64_t cgroup_id)>;

	// Explicit targets, or none with a namer for "everything".
	TargetBook(std::vector<Target> targets, std::string cgroup_root, Namer namer);

	bool watching_everything() const { return everything_; }

	// Explicit targets, in slot order.
	std::vector<Watched> &watched() { return watched_; }
	const std::vector<Watched> &watched() const { return watched_; }
	// The model's key of a cgroup: an explicit target's key for any cgroup
	// it has had; any other cgroup is its own key.
	std::uint64_t key_of(std::uint64_t cgroup_id) const;
	// The explicit targets' keys, in slot order.
	std::vector<std::uint64_t> explicit_keys() const;
	// The target a key stands for: an explicit one as it is now, else the
	// cgroup, named on first sight.
	const Target &target(std::uint64_t key);
	// The Watched of an explicit key; nullptr for any other.
	Watched *watched_by_key(std::uint64_t key);

	// An explicit target came back in another cgroup (same key).
	void moved(Watched &w, const Target &now, Watched::Clock::time_point when);
	// Its current life as the runtime tells it (same cgroup, now a pid).
	void caught_up(Watched &w, const Target &now);
	// Its cgroup directory is still the one the book knows.
	bool alive(const Target &t) const;

	// Watching everything: ids of discovered cgroups whose directory is
	// gone, dropped from the book so their kernel totals can be freed.
	// One that no walk of the tree ever found (it lived between two) is
	// gone when it is still not found at the next call.
	std::vector<std::uint64_t> take_vanished();
	// Watching everything: discovered containers still named by their
	// cgroup path (the runtime did not answer when they were first seen)
	// are asked about again; true when one got its runtime's name.
	bool rename_unnamed();
	// The cgroups named on first sight so far (watching everything).
	const std::map<std::uint64_t, Target> &discovered() const { return named_; }
	// A target's cgroup v2 directory.
	std::string dir_of(const Target &t) const;
	const std::string &cgroup_root() const { return cgroup_root_; }

private:
	bool everything_;
	std::string cgroup_root_;
	Namer namer_;
	std::vector<Watched> watched_;
	std::map<std::uint64_t, std::uint64_t> aliases_; // any cgroup an explicit target had -> its key
	std::map<std::uint64_t, Target> named_;          // discovered, by cgroup id
	std::set<std::uint64_t> unnamed_; // named_ with no path at the last take_vanished()
};

} // namespace bpfwatch

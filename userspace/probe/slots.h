// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Explicit targets as slots (bpf/filter.bpf.h, bpf/follow.bpf.h): which
// cgroup each slot counts now, and the cgroup path each will come back at.
// Both probes keep one; a slot's cgroup can change while the programs run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

struct bpf_map;

namespace bpfwatch {

class TargetSlots {
public:
	struct Maps {
		std::uint64_t *few_ids = nullptr; // the .bss array (BW_FILTER_FEW)
		bpf_map *watched_cgroups = nullptr; // BW_FILTER_MANY
		bpf_map *slot_cgroups = nullptr;
		bpf_map *expected_cgroups = nullptr;
	};

	TargetSlots() = default;
	TargetSlots(std::size_t capacity, bool few, Maps maps);

	std::size_t capacity() const { return capacity_; }
	std::size_t used() const { return ids_.size(); }

	// Counts @cgroup_id into @slot from now on; throws Error.
	void point(std::size_t slot, std::uint64_t cgroup_id);
	// Takes the next free slot for @cgroup_id; throws Error when full.
	std::size_t add(std::uint64_t cgroup_id);
	// The slot's cgroup as the kernel has it now: bpf/follow.bpf.h may have
	// moved it to a new cgroup at its mkdir.
	std::uint64_t current(std::size_t slot);
	// The cgroup id user space last knew in each slot.
	const std::vector<std::uint64_t> &ids() const { return ids_; }

	// When a cgroup is made at @path (relative to the v2 root), the kernel
	// points @slot at it. False when the path is too long to match there.
	bool expect(std::size_t slot, const std::string &path);
	void forget_expected(const std::string &path);

	// BW_FILTER_MANY holds up to this many ids per slot: the current life,
	// the previous one, and the lives the kernel joined (follow.bpf.h)
	// before user space caught up.
	static constexpr std::size_t kIdsPerSlot = 4;

private:
	void forget_older_lives(std::uint32_t slot, std::uint64_t now, std::uint64_t previous);

	std::size_t capacity_ = 0;
	bool few_ = false;
	Maps maps_;
	std::vector<std::uint64_t> ids_;
};

} // namespace bpfwatch

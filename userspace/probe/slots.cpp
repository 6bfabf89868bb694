// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "probe/slots.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>

#include "probe/abi.h"
#include "probe/map_util.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

struct PathKey {
	char path[BW_CGROUP_PATH_LEN] = {};
};

bool to_key(const std::string &path, PathKey &key)
{
	if (path.size() >= sizeof(key.path))
		return false;
	std::memcpy(key.path, path.data(), path.size());
	return true;
}

} // namespace

TargetSlots::TargetSlots(std::size_t capacity, bool few, Maps maps) : capacity_(capacity), few_(few), maps_(maps) {}

void TargetSlots::point(std::size_t slot, std::uint64_t cgroup_id)
{
	if (slot >= capacity_)
		throw Error("no target slot " + std::to_string(slot));
	auto index = static_cast<std::uint32_t>(slot);
	if (few_) {
		// One aligned 8-byte store: a program sees the old id or the new.
		__atomic_store_n(&maps_.few_ids[slot], cgroup_id, __ATOMIC_RELEASE);
	} else {
		std::uint64_t previous = slot < ids_.size() ? ids_[slot] : 0;
		forget_older_lives(index, cgroup_id, previous);
		if (bpf_map_update_elem(bpf_map__fd(maps_.watched_cgroups), &cgroup_id, &index, BPF_ANY))
			throw Error(errno_message("add a cgroup to the watch set", errno));
	}
	if (bpf_map_update_elem(bpf_map__fd(maps_.slot_cgroups), &index, &cgroup_id, BPF_ANY))
		throw Error(errno_message("set a target slot's cgroup", errno));
	if (slot >= ids_.size())
		ids_.resize(slot + 1, 0);
	ids_[slot] = cgroup_id;
}

// The kernel adds each new life's id at its mkdir (bpf/follow.bpf.h) and
// keeps the old one for records still in flight; this drops the lives
// before the previous one, so a target that restarts forever holds two
// entries, not one per life, and the bounded hash never fills.
void TargetSlots::forget_older_lives(std::uint32_t slot, std::uint64_t now, std::uint64_t previous)
{
	int fd = bpf_map__fd(maps_.watched_cgroups);
	std::vector<std::uint64_t> stale;
	for_each_key<std::uint64_t>(maps_.watched_cgroups, [&](const std::uint64_t &id) {
		std::uint32_t owner = 0;
		if (id != now && id != previous && bpf_map_lookup_elem(fd, &id, &owner) == 0 && owner == slot)
			stale.push_back(id);
	});
	for (std::uint64_t id : stale)
		bpf_map_delete_elem(fd, &id);
}

std::size_t TargetSlots::add(std::uint64_t cgroup_id)
{
	if (ids_.size() >= capacity_)
		throw Error("no room for another target (" + std::to_string(capacity_) + " slots)");
	std::size_t slot = ids_.size();
	point(slot, cgroup_id);
	return slot;
}

std::uint64_t TargetSlots::current(std::size_t slot)
{
	auto index = static_cast<std::uint32_t>(slot);
	std::uint64_t id = 0;
	if (slot >= ids_.size() || bpf_map_lookup_elem(bpf_map__fd(maps_.slot_cgroups), &index, &id))
		return slot < ids_.size() ? ids_[slot] : 0;
	return id;
}

bool TargetSlots::expect(std::size_t slot, const std::string &path)
{
	PathKey key;
	if (slot >= capacity_ || !to_key(path, key))
		return false;
	auto index = static_cast<std::uint32_t>(slot);
	if (bpf_map_update_elem(bpf_map__fd(maps_.expected_cgroups), &key, &index, BPF_ANY))
		throw Error(errno_message("register cgroup path " + path, errno));
	return true;
}

void TargetSlots::forget_expected(const std::string &path)
{
	PathKey key;
	if (to_key(path, key))
		bpf_map_delete_elem(bpf_map__fd(maps_.expected_cgroups), &key);
}

} // namespace bpfwatch

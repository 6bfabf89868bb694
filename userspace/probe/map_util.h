// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The map plumbing both probes share: per-CPU values summed, hash maps
// walked with a bound, and one way to say why a load failed.
#pragma once

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace bpfwatch {

// libbpf_num_possible_cpus(), or Error.
int possible_cpus();

// The per-CPU values of @key in a per-CPU map, one per possible CPU
// (libbpf copies them out at an 8-byte stride, which V must have); empty
// when the key is not in the map.
template <typename V>
std::vector<V> percpu_values(int map_fd, const void *key, int ncpus)
{
	static_assert(sizeof(V) % 8 == 0, "per-CPU values are copied at an 8-byte stride");
	std::vector<V> per_cpu(static_cast<std::size_t>(ncpus));
	if (bpf_map_lookup_elem(map_fd, key, per_cpu.data()) != 0)
		per_cpu.clear();
	return per_cpu;
}

// Every key of a hash map, each once. Entries the kernel deletes meanwhile
// make get_next_key start over, so the walk is bounded (twice the map's
// size) and deduplicated.
template <typename K>
void for_each_key(const bpf_map *map, const std::function<void(const K &)> &each)
{
	struct BytesLess {
		bool operator()(const K &a, const K &b) const { return std::memcmp(&a, &b, sizeof(K)) < 0; }
	};
	std::map<K, bool, BytesLess> seen;
	int fd = bpf_map__fd(map);
	std::size_t bound = 2 * static_cast<std::size_t>(bpf_map__max_entries(map)) + 16;
	K key{}, next{};
	const K *prev = nullptr;

	while (bound-- && bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (seen.emplace(key, true).second)
			each(key);
	}
}

// Every entry of a hash map with plain (not per-CPU) values, by the bytes
// of their keys.
template <typename K, typename V>
std::vector<std::pair<K, V>> dump_map(const bpf_map *map)
{
	std::vector<std::pair<K, V>> out;
	int fd = bpf_map__fd(map);
	for_each_key<K>(map, [&](const K &key) {
		V value{};
		if (bpf_map_lookup_elem(fd, &key, &value) == 0) // else deleted meanwhile
			out.emplace_back(key, value);
	});
	return out;
}

// Kernel memory a loaded object's maps pin: the kernel's own accounting,
// "memlock:" in each map fd's fdinfo.
std::uint64_t maps_memlock_bytes(const bpf_object *obj);

// Why loading @what failed, as one line: which privilege is missing, or
// that the verifier refused it (its log is shown with -v).
std::string load_error(const std::string &what, int err, const std::string &privileges);

} // namespace bpfwatch

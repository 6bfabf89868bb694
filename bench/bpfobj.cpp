// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "bpfobj.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <regex>
#include <set>

#include "util.h"

namespace bench {
namespace {

// Ids named by "KEY:\tN" in the fdinfo of @pid's fds whose link matches.
std::vector<std::uint32_t> fdinfo_ids(pid_t pid, const std::set<std::string> &links, const std::string &key)
{
	std::set<std::uint32_t> ids;
	std::string base = "/proc/" + std::to_string(pid);
	DIR *d = opendir((base + "/fd").c_str());
	if (!d)
		return {};
	while (dirent *e = readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		char target[128] = {};
		std::string fd = base + "/fd/" + e->d_name;
		if (readlink(fd.c_str(), target, sizeof(target) - 1) <= 0 || !links.count(target))
			continue;
		std::string v = field_of(read_file(base + "/fdinfo/" + e->d_name), key);
		if (!v.empty())
			ids.insert(std::stoul(v));
	}
	closedir(d);
	return {ids.begin(), ids.end()};
}

bool percpu(std::uint32_t type)
{
	return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

struct MapLookup {
	bpf_map_info info{};
	std::vector<std::uint8_t> value;
	int ncpus = 1;
};

// Looks @key up in map @id; false when absent or not an 8-byte-key map.
bool lookup(std::uint32_t id, std::uint64_t key, MapLookup &out)
{
	Fd fd(bpf_map_get_fd_by_id(id));
	if (fd.get() < 0)
		return false;
	__u32 len = sizeof(out.info);
	out.info = {};
	if (bpf_obj_get_info_by_fd(fd.get(), &out.info, &len) != 0 || out.info.key_size != 8)
		return false;
	out.ncpus = percpu(out.info.type) ? libbpf_num_possible_cpus() : 1;
	std::size_t stride = percpu(out.info.type) ? (out.info.value_size + 7) / 8 * 8 : out.info.value_size;
	out.value.assign(stride * out.ncpus, 0);
	return bpf_map_lookup_elem(fd.get(), &key, out.value.data()) == 0;
}

} // namespace

std::vector<std::uint32_t> owned_prog_ids(pid_t pid)
{
	return fdinfo_ids(pid, {"anon_inode:bpf-prog", "anon_inode:bpf_link"}, "prog_id");
}

std::vector<std::uint32_t> owned_map_ids(pid_t pid)
{
	return fdinfo_ids(pid, {"anon_inode:bpf-map"}, "map_id");
}

std::vector<std::uint32_t> all_prog_ids()
{
	std::vector<std::uint32_t> ids;
	__u32 id = 0;
	// Bounded: a host has far fewer programs than this.
	for (int i = 0; i < 100000 && bpf_prog_get_next_id(id, &id) == 0; i++)
		ids.push_back(id);
	return ids;
}

bool prog_exists(std::uint32_t id)
{
	Fd fd(bpf_prog_get_fd_by_id(id));
	return fd.get() >= 0;
}

ProgStat prog_stat(std::uint32_t id)
{
	ProgStat s;
	Fd fd(bpf_prog_get_fd_by_id(id));
	bpf_prog_info info{};
	__u32 len = sizeof(info);
	if (fd.get() >= 0 && bpf_obj_get_info_by_fd(fd.get(), &info, &len) == 0) {
		s.run_time_ns = info.run_time_ns;
		s.run_cnt = info.run_cnt;
	}
	return s;
}

ProgInfo prog_info(std::uint32_t id, bool with_helpers)
{
	ProgInfo p;
	p.id = id;
	Fd fd(bpf_prog_get_fd_by_id(id));
	bpf_prog_info info{};
	__u32 len = sizeof(info);
	if (fd.get() < 0 || bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0)
		return p;
	p.name = info.name;
	const char *type = libbpf_bpf_prog_type_str(static_cast<bpf_prog_type>(info.type));
	p.type = type ? type : std::to_string(info.type);
	char tag[2 * BPF_TAG_SIZE + 1] = {};
	for (int i = 0; i < BPF_TAG_SIZE; i++)
		snprintf(tag + 2 * i, 3, "%02x", info.tag[i]);
	p.tag = tag;
	p.xlated_insns = info.xlated_prog_len / 8;
	p.jited_bytes = info.jited_prog_len;
	p.verified_insns = info.verified_insns;
	if (!with_helpers)
		return p;
	std::string cmd = "bpftool prog dump xlated id " + std::to_string(id) + " 2>/dev/null";
	FILE *f = popen(cmd.c_str(), "r");
	if (!f)
		return p;
	static const std::regex helper(R"(\bcall ([A-Za-z_][A-Za-z_0-9]*)#)");
	static const std::regex subprog(R"(\bcall pc[+-])");
	char line[512];
	for (int i = 0; i < 200000 && fgets(line, sizeof(line), f); i++) {
		std::cmatch m;
		if (std::regex_search(line, m, helper))
			p.helpers[m[1].str()]++;
		else if (std::regex_search(line, subprog))
			p.helpers["(bpf-to-bpf call)"]++;
	}
	pclose(f);
	return p;
}

int maps_holding(const std::vector<std::uint32_t> &map_ids, std::uint64_t key)
{
	int n = 0;
	MapLookup m;
	for (std::uint32_t id : map_ids)
		n += lookup(id, key, m);
	return n;
}

std::uint64_t ring_producer_pos(const std::vector<std::uint32_t> &map_ids)
{
	std::uint64_t sum = 0;
	const long page = sysconf(_SC_PAGESIZE);
	for (std::uint32_t id : map_ids) {
		Fd fd(bpf_map_get_fd_by_id(id));
		bpf_map_info info{};
		__u32 len = sizeof(info);
		if (fd.get() < 0 || bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0 ||
		    info.type != BPF_MAP_TYPE_RINGBUF)
			continue;
		// Page 0 is the consumer position, page 1 the producer's (read-only).
		void *p = mmap(nullptr, page, PROT_READ, MAP_SHARED, fd.get(), page);
		if (p == MAP_FAILED)
			continue;
		sum += __atomic_load_n(static_cast<const std::uint64_t *>(p), __ATOMIC_ACQUIRE);
		munmap(p, page);
	}
	return sum;
}

std::uint64_t map_memlock_of(pid_t pid)
{
	std::uint64_t total = 0;
	std::string base = "/proc/" + std::to_string(pid);
	DIR *d = opendir((base + "/fd").c_str());
	if (!d)
		return 0;
	while (dirent *e = readdir(d)) {
		char target[128] = {};
		std::string fd = base + "/fd/" + e->d_name;
		if (e->d_name[0] == '.' || readlink(fd.c_str(), target, sizeof(target) - 1) <= 0 ||
		    std::string(target) != "anon_inode:bpf-map")
			continue;
		std::string v = field_of(read_file(base + "/fdinfo/" + e->d_name), "memlock");
		if (!v.empty())
			total += std::stoull(v);
	}
	closedir(d);
	return total;
}

namespace {
std::set<std::uint32_t> g_ours;
} // namespace

void note_ours(const std::vector<std::uint32_t> &ids)
{
	g_ours.insert(ids.begin(), ids.end());
}

std::vector<std::uint32_t> ours()
{
	return {g_ours.begin(), g_ours.end()};
}

StatsOn::StatsOn()
{
	fd_ = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (fd_ < 0)
		fail_errno("enable bpf_stats (BPF_ENABLE_STATS)", errno);
}

StatsOn::~StatsOn()
{
	if (fd_ >= 0)
		close(fd_);
}

} // namespace bench

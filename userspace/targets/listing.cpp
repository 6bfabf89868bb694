// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/listing.h"

#include <algorithm>
#include <atomic>
#include <future>
#include <set>
#include <thread>
#include <unordered_map>

#include "targets/cgroup.h"
#include "targets/cgroup_index.h"
#include "targets/orchestration.h"
#include "targets/runtime_error.h"

namespace bpfwatch {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Docker's list has no pids: inspects, this many at once.
constexpr int kInspectWorkers = 8;

milliseconds left_until(Clock::time_point deadline)
{
	return std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
}

struct Answer {
	RuntimeStatus status;
	std::vector<ContainerSummary> list;
};

// The pids a Docker-API list lacks, each inspect bounded by what is left
// of the runtime's time; those not reached stay 0 (their cgroup is then
// found in the tree by id).
void fill_pids(const DockerClient &api, std::vector<ContainerSummary> &list, Clock::time_point deadline)
{
	std::atomic<std::size_t> next{0};
	auto work = [&] {
		for (std::size_t i = next++; i < list.size(); i = next++) {
			auto left = left_until(deadline);
			if (list[i].pid > 0 || left.count() == 0)
				continue;
			DockerClient once(api.socket_path(), api.runtime(), {left, left});
			try {
				if (auto d = once.inspect(list[i].id); d && d->running)
					list[i].pid = d->pid;
			} catch (const Error &) {
				// Gone meanwhile, or the daemon stopped answering: no pid.
			}
		}
	};
	std::vector<std::thread> workers;
	for (int w = 0; w < kInspectWorkers - 1 && static_cast<std::size_t>(w) < list.size(); w++)
		workers.emplace_back(work);
	work();
	for (auto &t : workers)
		t.join();
}

Answer ask(RuntimeCandidate &c, milliseconds timeout)
{
	Answer a;
	a.status.runtime = c.runtime;
	a.status.endpoint = c.endpoint;
	const auto start = Clock::now();
	try {
		a.list = c.source->list_running();
		for (auto &s : a.list)
			if (s.runtime.empty())
				s.runtime = c.source->runtime_of(s.id);
		if (const auto *api = dynamic_cast<const DockerClient *>(c.source.get()))
			fill_pids(*api, a.list, start + timeout);
		a.status.answered = true;
		a.status.containers = a.list.size();
	} catch (const RuntimeError &e) {
		a.status.failure = failure_name(e.kind());
		a.status.error = e.what();
	} catch (const std::exception &e) {
		a.status.failure = failure_name(RuntimeFailure::failed);
		a.status.error = e.what();
	}
	a.status.elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
	return a;
}

// The innermost container-shaped cgroup of each container id, and, for
// ids the shapes do not know (ECS's /ecs/<task>/<id>, a custom
// --cgroup-parent), every cgroup whose last component holds a 64-hex id.
struct TreeIndex {
	std::vector<ContainerCgroup> containers;
	std::unordered_map<std::string, const ContainerCgroup *> by_id;
	std::unordered_map<std::string, std::string> other; // id -> path

	explicit TreeIndex(const std::string &root)
	{
		CgroupIndex index(root);
		index.rescan();
		for (const auto &[ino, path] : index.paths()) {
			if (auto ref = container_from_cgroup_path(path)) {
				containers.push_back({path, ino, *ref});
				continue;
			}
			std::string last = path.substr(path.rfind('/') + 1);
			for (std::size_t i = 0; i + 64 <= last.size(); i++)
				if (is_container_id(std::string_view(last).substr(i, 64))) {
					other.emplace(last.substr(i, 64), path);
					break;
				}
		}
		std::sort(containers.begin(), containers.end(),
			  [](const ContainerCgroup &a, const ContainerCgroup &b) { return a.path < b.path; });
		for (const auto &c : containers) {
			auto [it, fresh] = by_id.emplace(c.ref.id, &c);
			if (!fresh && c.path.size() > it->second->path.size())
				it->second = &c;
		}
	}

	std::string path_of(const std::string &id) const
	{
		if (auto it = by_id.find(id); it != by_id.end())
			return it->second->path;
		if (auto it = other.find(id); it != other.end())
			return it->second;
		return "";
	}
};

} // namespace

ContainerListing list_containers(std::vector<RuntimeCandidate> candidates, const std::string &root,
				 const std::string &proc_root, ListOptions lo)
{
	// Every runtime at once, and the cgroup tree beside them.
	std::vector<std::future<Answer>> pending;
	for (auto &c : candidates) {
		if (!c.present && lo.omit_missing)
			continue;
		pending.push_back(std::async(std::launch::async, [&c, lo] { return ask(c, lo.timeout); }));
	}
	TreeIndex tree(root);

	ContainerListing out;
	std::set<std::uint64_t> cgroups_seen;
	std::set<std::string> ids_seen;
	for (auto &p : pending) {
		Answer a = p.get();
		std::vector<Target> group;
		for (const ContainerSummary &c : a.list) {
			// A sandbox is claimed, so the tree does not list it either.
			if (!ids_seen.insert(c.id).second || c.orchestration.sandbox)
				continue;
			Target t;
			describe_target(t, c);
			std::string rel;
			if (c.pid > 0) {
				try {
					rel = cgroup_path_of_pid(c.pid, proc_root);
				} catch (const Error &) {
					continue; // exited since it was listed
				}
			} else {
				rel = tree.path_of(c.id);
			}
			if (!rel.empty()) {
				try {
					t.cgroup_id = cgroup_id_of_dir(join_cgroup_path(root, rel));
					t.cgroup_path = rel;
				} catch (const Error &) {
					continue; // removed since
				}
				if (!cgroups_seen.insert(t.cgroup_id).second)
					continue;
			}
			group.push_back(std::move(t));
		}
		std::sort(group.begin(), group.end(), [](const Target &x, const Target &y) {
			return std::tie(x.pod_namespace, x.pod, x.name) < std::tie(y.pod_namespace, y.pod, y.name);
		});
		out.containers.insert(out.containers.end(), group.begin(), group.end());
		out.runtimes.push_back(std::move(a.status));
	}

	// What no runtime listed: named by the shape of its path, and said so.
	for (const auto &[id, cg] : tree.by_id) {
		(void)id;
		if (ids_seen.count(cg->ref.id) || cgroups_seen.count(cg->id))
			continue;
		Target t;
		t.name = cg->ref.id.substr(0, 12);
		t.name_source = "cgroup path";
		t.runtime = cg->ref.runtime;
		t.container_id = cg->ref.id;
		t.cgroup_path = cg->path;
		t.cgroup_id = cg->id;
		out.containers.push_back(std::move(t));
	}
	auto first_fallback = out.containers.end() - static_cast<std::ptrdiff_t>(
		std::count_if(out.containers.begin(), out.containers.end(),
			      [](const Target &t) { return t.name_source == "cgroup path"; }));
	std::sort(first_fallback, out.containers.end(),
		  [](const Target &x, const Target &y) { return x.cgroup_path < y.cgroup_path; });
	return out;
}

ContainerListing list_containers(const ResolveOptions &opts, ListOptions lo)
{
	ResolveOptions o = opts;
	if (o.runtime.empty())
		o.runtime = "auto";
	DockerTimeouts timeouts{std::min(lo.timeout, milliseconds(1000)), lo.timeout};
	return list_containers(runtime_candidates(o, timeouts), cgroup_root_or_detect(o.cgroup_root),
			       o.proc_root, lo);
}

} // namespace bpfwatch

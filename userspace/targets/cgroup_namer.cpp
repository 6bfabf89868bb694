// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// CgroupNamer (declared in resolver.h): naming for "watch everything".
#include "targets/cgroup.h"
#include "targets/container_id.h"
#include "targets/docker.h"
#include "targets/orchestration.h"
#include "targets/resolver.h"
#include "targets/runtimes.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

// Containers that exited stay named for late events, up to this many.
constexpr std::size_t kMaxRemembered = 4096;

} // namespace

CgroupNamer::CgroupNamer(std::string cgroup_root, std::unique_ptr<ContainerSource> source,
			 NamerOptions opts)
	: index_(std::move(cgroup_root), opts.index), source_(std::move(source)), opts_(opts)
{
}

std::unique_ptr<CgroupNamer> CgroupNamer::from_options(const ResolveOptions &opts)
{
	// Tighter than the resolver's: a wedged daemon may stall the event
	// loop once per failure_backoff, so keep that stall short.
	DockerTimeouts quick{std::chrono::milliseconds(500), std::chrono::milliseconds(2000)};
	return std::make_unique<CgroupNamer>(cgroup_root_or_detect(opts.cgroup_root),
					     make_container_source(opts, quick));
}

std::optional<std::string> CgroupNamer::runtime_error() const
{
	return error_;
}

const ContainerSummary *CgroupNamer::lookup(const std::string &container_id)
{
	auto it = containers_.find(container_id);
	if (it != containers_.end())
		return &it->second;
	if (!source_)
		return nullptr;

	auto now = std::chrono::steady_clock::now();
	if (last_failure_ && now - *last_failure_ < opts_.failure_backoff)
		return nullptr;
	if (last_list_ && now - *last_list_ < opts_.list_refresh)
		return nullptr;
	last_list_ = now;
	try {
		auto running = source_->list_running();
		if (containers_.size() + running.size() > kMaxRemembered)
			containers_.clear();
		for (auto &c : running)
			containers_.insert_or_assign(c.id, std::move(c));
		last_failure_.reset();
		error_.reset();
	} catch (const std::exception &e) {
		last_failure_ = now;
		error_ = e.what();
		return nullptr;
	}
	it = containers_.find(container_id);
	return it == containers_.end() ? nullptr : &it->second;
}

Target CgroupNamer::describe(std::uint64_t cgroup_id)
{
	Target t;
	t.cgroup_id = cgroup_id;
	t.runtime = "cgroup";
	auto path = index_.path_of(cgroup_id);
	if (!path) {
		t.name = "cgroup:" + std::to_string(cgroup_id);
		return t;
	}
	t.cgroup_path = *path;
	t.name = *path;
	auto ref = container_from_cgroup_path(*path);
	if (!ref)
		return t;
	t.container_id = ref->id;
	t.runtime = ref->runtime;
	// Named by its path until a runtime names it: say so.
	t.name_source = "cgroup path";
	if (const ContainerSummary *c = lookup(ref->id)) {
		ContainerSummary named = *c;
		if (named.runtime.empty())
			named.runtime = source_->runtime_of(c->id);
		describe_target(t, named);
	}
	return t;
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "probe/egress_links.h"

#include <bpf/libbpf.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include "probe/forced_failure.h"
#include "util/error.h"
#include "util/fd.h"

namespace bpfwatch {
namespace {

bool is_below(const std::string &dir, const std::string &ancestor)
{
	return dir.size() > ancestor.size() && dir.compare(0, ancestor.size(), ancestor) == 0 &&
	       (ancestor.back() == '/' || dir[ancestor.size()] == '/');
}

std::unique_ptr<bpf_link, int (*)(bpf_link *)> attach_to(bpf_program *prog, const std::string &dir)
{
	// BPFWATCH_FAIL_PROGRAM: a directory that is no cgroup, which the
	// kernel refuses as it would a cgroup it cannot attach to.
	std::string where = forced_failure(bpf_program__name(prog)) == ForcedFailure::attach ? "/" : dir;
	// The link holds its own reference to the cgroup: the fd goes here.
	UniqueFd fd(open(where.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (!fd)
		throw Error(errno_message("open cgroup " + dir, errno));
	bpf_link *link = bpf_program__attach_cgroup(prog, fd.get());
	int err = link ? 0 : errno;
	if (!link)
		throw Error(errno_message("attach cgroup_skb/egress to " + dir, err) +
			    (err == EPERM ? " (a program attached without BPF_F_ALLOW_MULTI "
					    "above it forbids others)"
					  : ""));
	return {link, bpf_link__destroy};
}

} // namespace

bool EgressLinks::covered(const std::string &dir) const
{
	for (const auto &[id, p] : points_)
		if (is_below(dir, p.dir))
			return true;
	return false;
}

// Links exactly the points no other point covers. Unlinks first: a moment
// of not counting is better than a moment of counting twice.
void EgressLinks::reconcile()
{
	for (auto &[id, p] : points_)
		if (p.link && covered(p.dir))
			p.link.reset();
	for (auto &[id, p] : points_)
		if (!p.link && !covered(p.dir))
			p.link = attach_to(prog_, p.dir);
}

void EgressLinks::attach(std::uint64_t cgroup_id, const std::string &dir)
{
	std::error_code ec;
	std::string canon = std::filesystem::canonical(dir, ec).string();
	if (ec)
		throw Error(errno_message("cgroup directory " + dir, ec.value()));
	if (points_.count(cgroup_id))
		detach(cgroup_id);
	points_.emplace(cgroup_id, Point{canon, {nullptr, bpf_link__destroy}});
	try {
		reconcile();
	} catch (...) {
		points_.erase(cgroup_id);
		try {
			reconcile();
		} catch (...) {
			// The restore failed too: the caller hears about the first.
		}
		throw;
	}
}

void EgressLinks::detach(std::uint64_t cgroup_id)
{
	points_.erase(cgroup_id);
	reconcile();
}

std::vector<std::string> EgressLinks::linked_dirs() const
{
	std::vector<std::string> out;
	for (const auto &[id, p] : points_)
		if (p.link)
			out.push_back(p.dir);
	return out;
}

} // namespace bpfwatch

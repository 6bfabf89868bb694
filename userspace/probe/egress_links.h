// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Where IP egress is counted: cgroup_skb/egress links on cgroup v2
// directories. A link (BPF_LINK_CREATE) is multi-attach: it runs beside any
// program others attached, and the kernel detaches it when the link is
// destroyed or bpfwatch exits. A directory below an attached one is
// covered already (the program runs for descendants too), so it gets no
// link of its own: a packet is counted once, however the watched cgroups
// nest.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

struct bpf_program;
struct bpf_link;

namespace bpfwatch {

class EgressLinks {
public:
	explicit EgressLinks(bpf_program *prog) : prog_(prog) {}
	EgressLinks(const EgressLinks &) = delete;
	EgressLinks &operator=(const EgressLinks &) = delete;

	// Counts egress of the sockets in @dir (a cgroup v2 directory) and
	// below. Throws Error when the kernel refuses; nothing changes then.
	void attach(std::uint64_t cgroup_id, const std::string &dir);
	void detach(std::uint64_t cgroup_id);

	// The directories that hold a link (the others are covered by them).
	std::vector<std::string> linked_dirs() const;

private:
	struct Point {
		std::string dir;
		std::unique_ptr<bpf_link, int (*)(bpf_link *)> link;
	};
	bool covered(const std::string &dir) const;
	void reconcile();

	bpf_program *prog_;
	std::map<std::uint64_t, Point> points_;
};

} // namespace bpfwatch

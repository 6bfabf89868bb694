// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/container_id.h"

#include <array>
#include <vector>

namespace bpfwatch {
namespace {

struct ScopeShape {
	std::string_view prefix;
	std::string_view suffix;
	std::string_view runtime;
};

// Systemd-style units and the libpod cgroupfs parent: "<prefix><id><suffix>".
constexpr std::array<ScopeShape, 6> kScopes{{
	{"docker-", ".scope", "docker"},
	{"libpod-", ".scope", "podman"},
	{"libpod-", "", "podman"}, // /libpod_parent/libpod-<id> (cgroupfs manager)
	{"cri-containerd-", ".scope", "containerd"},
	{"crio-", ".scope", "crio"},
	{"crio-", "", "crio"}, // CRI-O's cgroupfs manager: .../pod<uid>/crio-<id>
}};

std::optional<std::string_view> strip(std::string_view s, std::string_view prefix,
				      std::string_view suffix)
{
	if (s.size() < prefix.size() + suffix.size() || s.substr(0, prefix.size()) != prefix ||
	    s.substr(s.size() - suffix.size()) != suffix)
		return std::nullopt;
	return s.substr(prefix.size(), s.size() - prefix.size() - suffix.size());
}

std::vector<std::string_view> components(std::string_view path)
{
	std::vector<std::string_view> out;
	while (!path.empty()) {
		std::size_t slash = path.find('/');
		std::string_view part = path.substr(0, slash);
		if (!part.empty())
			out.push_back(part);
		if (slash == std::string_view::npos)
			break;
		path.remove_prefix(slash + 1);
	}
	return out;
}

// A bare id is only trusted under a parent that says whose it is: any
// 64-hex directory elsewhere could be anything.
std::optional<std::string_view> bare_id_runtime(std::string_view parent)
{
	if (parent == "docker")
		return "docker";
	if (parent == "libpod_parent")
		return "podman";
	// containerd's cgroupfs default, "/<namespace>/<id>", for the CRI one
	if (parent == "k8s.io")
		return "containerd";
	// kubelet's cgroupfs layout: /kubepods[/<qos>]/pod<uid>/<id>
	if (parent.substr(0, 3) == "pod" && parent.size() > 3 &&
	    parent.find('.') == std::string_view::npos)
		return "cri";
	return std::nullopt;
}

} // namespace

bool is_container_id(std::string_view s)
{
	if (s.size() != 64)
		return false;
	for (char c : s)
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	return true;
}

std::optional<ContainerRef> container_from_cgroup_path(std::string_view path)
{
	auto parts = components(path);
	// Innermost first: docker-in-docker nests /docker/<a>/docker/<b>, and
	// podman puts the payload in a "container" child of its scope.
	for (std::size_t i = parts.size(); i-- > 0;) {
		std::string_view part = parts[i];
		for (const auto &shape : kScopes) {
			auto id = strip(part, shape.prefix, shape.suffix);
			if (id && is_container_id(*id))
				return ContainerRef{std::string(shape.runtime), std::string(*id)};
		}
		if (i > 0 && is_container_id(part)) {
			if (auto rt = bare_id_runtime(parts[i - 1]))
				return ContainerRef{std::string(*rt), std::string(part)};
		}
	}
	return std::nullopt;
}

} // namespace bpfwatch

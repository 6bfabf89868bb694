// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/podman_cli.h"

#include <nlohmann/json.hpp>

#include "targets/runtime_error.h"
#include "util/command.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

// The last line podman printed on stderr ("Error: ..."), for messages.
std::string last_line(std::string text)
{
	while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
		text.pop_back();
	std::size_t nl = text.rfind('\n');
	return nl == std::string::npos ? text : text.substr(nl + 1);
}

} // namespace

std::optional<ContainerDetails> parse_podman_inspect(std::string_view text)
{
	auto j = nlohmann::json::parse(text, nullptr, false);
	if (j.is_discarded() || !j.is_array())
		throw RuntimeError(RuntimeFailure::malformed, "podman inspect: expected a JSON array");
	if (j.empty())
		return std::nullopt;
	return parse_container_inspect(j.front().dump());
}

PodmanCli::PodmanCli(std::string program, DockerTimeouts timeouts)
	: program_(std::move(program)), timeouts_(timeouts)
{
}

std::vector<ContainerSummary> PodmanCli::list_running()
{
	// Running containers only, as the API's /containers/json; the JSON
	// has the same fields, plus Pid.
	CommandResult r = run_runtime_command({program_, "ps", "--format", "json"}, timeouts_.total);
	if (r.status != 0)
		throw RuntimeError(RuntimeFailure::failed, "podman ps failed (exit " + std::to_string(r.status) +
								   "): " + last_line(r.err));
	auto list = parse_container_list(r.out);
	for (auto &c : list)
		c.runtime = runtime_;
	return list;
}

std::optional<ContainerDetails> PodmanCli::inspect(const std::string &id_or_name)
{
	CommandResult r = run_runtime_command({program_, "inspect", "--type", "container", "--", id_or_name},
					      timeouts_.total);
	// An unknown name: exit 125, "[]" on stdout, "no such container" on stderr.
	if (r.status != 0 && r.out.find('{') == std::string::npos) {
		if (r.err.find("no such container") != std::string::npos)
			return std::nullopt;
		throw RuntimeError(RuntimeFailure::failed, "podman inspect " + id_or_name + " failed (exit " +
								   std::to_string(r.status) + "): " + last_line(r.err));
	}
	return parse_podman_inspect(r.out);
}

} // namespace bpfwatch

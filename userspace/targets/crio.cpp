// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/crio.h"

#include <algorithm>
#include <chrono>
#include <set>

#include <nlohmann/json.hpp>

#include "targets/cgroup_index.h"
#include "targets/numbers.h"
#include "targets/orchestration.h"
#include "targets/resolver.h"
#include "targets/runtime_error.h"

namespace bpfwatch {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

json parse_object(std::string_view text, const char *what)
{
	json j = json::parse(text, nullptr, false);
	if (j.is_discarded() || !j.is_object())
		throw RuntimeError(RuntimeFailure::malformed, std::string("cri-o ") + what + ": not a JSON object");
	return j;
}

Labels string_map(const json &j, const char *key)
{
	Labels out;
	auto it = j.find(key);
	if (it == j.end() || it->is_null())
		return out;
	if (!it->is_object())
		throw RuntimeError(RuntimeFailure::malformed, std::string("cri-o: \"") + key + "\" is not an object");
	for (const auto &[k, v] : it->items())
		if (v.is_string())
			out.emplace(k, v.get<std::string>());
	return out;
}

} // namespace

CrioInfo parse_crio_info(std::string_view text)
{
	json j = parse_object(text, "/info");
	CrioInfo info;
	auto driver = j.find("storage_driver");
	if (driver != j.end() && driver->is_string())
		info.storage_driver = driver->get<std::string>();
	else if (driver != j.end() && driver->is_array() && !driver->empty() && driver->front().is_string())
		info.storage_driver = driver->front().get<std::string>();
	if (j.contains("storage_root") && j["storage_root"].is_string())
		info.storage_root = j["storage_root"].get<std::string>();
	if (j.contains("cgroup_driver") && j["cgroup_driver"].is_string())
		info.cgroup_driver = j["cgroup_driver"].get<std::string>();
	if (driver == j.end() && info.storage_root.empty())
		throw RuntimeError(RuntimeFailure::malformed,
				   "cri-o /info: no storage_driver or storage_root: not CRI-O's inspect API");
	return info;
}

ContainerSummary parse_crio_container(std::string_view text, const std::string &id)
{
	json j = parse_object(text, "/containers/{id}");
	ContainerSummary c;
	c.id = id;
	c.runtime = "cri-o";
	try {
		std::string name = j.value("name", "");
		if (!name.empty())
			c.names = {name};
		c.image = j.value("image", "");
		c.pid = natural_or<pid_t>(j, "pid", 0, "cri-o /containers/" + id);
		c.labels = string_map(j, "labels");
		Labels crio = string_map(j, "crio_annotations");
		c.orchestration = orchestration_from_labels(c.labels);
		std::string sandbox = j.value("sandbox", "");
		auto type = crio.find("io.kubernetes.cri-o.ContainerType");
		if ((type != crio.end() && type->second == "sandbox") || (!sandbox.empty() && sandbox == id))
			c.orchestration.sandbox = true;
	} catch (const json::exception &e) {
		throw RuntimeError(RuntimeFailure::malformed,
				   std::string("cri-o /containers/") + id + ": unexpected field type: " + e.what());
	}
	c.state = c.pid > 0 ? "running" : "stopped";
	return c;
}

CrioClient::CrioClient(std::string socket_path, std::string cgroup_root, DockerTimeouts timeouts)
	: socket_(std::move(socket_path)), cgroup_root_(std::move(cgroup_root)), timeouts_(timeouts)
{
}

std::optional<ContainerSummary> CrioClient::get_container(const std::string &id,
							  std::chrono::milliseconds budget)
{
	if (budget.count() <= 0)
		throw RuntimeError(RuntimeFailure::timeout, "cri-o API on " + socket_ + ": no full answer within " +
								    std::to_string(timeouts_.total.count()) + " ms");
	DockerClient http(socket_, runtime_, {std::min(timeouts_.connect, budget), budget});
	// Ids are hex (from the cgroup tree) or what the user typed: no escaping
	// needed for the one, refused for the other.
	if (id.empty() || id.find_first_of("/?#% ") != std::string::npos)
		return std::nullopt;
	auto r = http.get("/containers/" + id);
	if (r.status == 404)
		return std::nullopt;
	if (r.status != 200)
		throw RuntimeError(RuntimeFailure::failed, "cri-o API /containers/" + id + " on " + socket_ +
								   ": HTTP " + std::to_string(r.status) + ": " +
								   parse_api_error(r.body));
	return parse_crio_container(r.body, id);
}

std::vector<ContainerSummary> CrioClient::list_running()
{
	const auto deadline = Clock::now() + timeouts_.total;
	auto left = [&] {
		return std::max(std::chrono::milliseconds(0),
				std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
	};
	DockerClient http(socket_, runtime_, timeouts_);
	auto r = http.get("/info");
	if (r.status != 200)
		throw RuntimeError(RuntimeFailure::failed, "cri-o API /info on " + socket_ + ": HTTP " +
								   std::to_string(r.status) + ": " + parse_api_error(r.body));
	parse_crio_info(r.body);

	std::set<std::string> ids;
	for (const auto &cg : scan_container_cgroups(cgroup_root_or_detect(cgroup_root_)))
		if (cg.ref.runtime == "crio")
			ids.insert(cg.ref.id);
	std::vector<ContainerSummary> out;
	for (const std::string &id : ids) {
		auto c = get_container(id, left());
		if (c && c->pid > 0)
			out.push_back(std::move(*c));
	}
	return out;
}

std::optional<ContainerDetails> CrioClient::inspect(const std::string &id)
{
	auto c = get_container(id, timeouts_.total);
	if (!c)
		return std::nullopt;
	ContainerDetails d;
	d.id = c->id;
	d.name = c->names.empty() ? c->id : c->names.front();
	d.status = c->state;
	d.running = c->pid > 0;
	d.pid = c->pid;
	d.labels = c->labels;
	d.orchestration = c->orchestration;
	return d;
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The JSON half of docker.h: no I/O here, so fixtures test all of it.
#include <nlohmann/json.hpp>

#include "targets/docker.h"
#include "targets/numbers.h"
#include "targets/orchestration.h"
#include "targets/runtime_error.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

using nlohmann::json;

// Docker sends null for empty lists and Podman leaves some fields out, so
// every read tolerates a missing or null field.
template <typename T> T get_or(const json &j, const char *key, T fallback)
{
	auto it = j.find(key);
	if (it == j.end() || it->is_null())
		return fallback;
	return it->get<T>();
}

std::string strip_slash(std::string name)
{
	if (!name.empty() && name.front() == '/')
		name.erase(0, 1);
	return name;
}

json parse(std::string_view text, const char *what)
{
	try {
		return json::parse(text);
	} catch (const json::exception &e) { // parse_error, and out_of_range for 1e999 (tests/fuzz)
		throw RuntimeError(RuntimeFailure::malformed,
				   std::string("malformed JSON in ") + what + ": " + e.what());
	}
}

// A "Labels" object of strings; null or absent is none. Docker and Podman
// both send it in the list and in inspect's Config.
Labels labels_of(const json &j)
{
	Labels out;
	json labels = get_or<json>(j, "Labels", json::object());
	if (!labels.is_object())
		throw RuntimeError(RuntimeFailure::malformed, "\"Labels\" is not an object");
	for (const auto &[k, v] : labels.items())
		if (v.is_string())
			out.emplace(k, v.get<std::string>());
	return out;
}

} // namespace

std::vector<ContainerSummary> parse_container_list(std::string_view text)
{
	json j = parse(text, "container list");
	if (!j.is_array())
		throw RuntimeError(RuntimeFailure::malformed, "container list: expected a JSON array");
	std::vector<ContainerSummary> out;
	try {
		for (const auto &c : j) {
			ContainerSummary s;
			s.id = get_or<std::string>(c, "Id", "");
			json names = get_or<json>(c, "Names", json::array());
			if (!names.is_array())
				throw RuntimeError(RuntimeFailure::malformed,
						   "container list: \"Names\" is not an array");
			for (const auto &n : names)
				s.names.push_back(strip_slash(n.get<std::string>()));
			s.image = get_or<std::string>(c, "Image", "");
			s.state = get_or<std::string>(c, "State", "");
			s.pid = natural_or<pid_t>(c, "Pid", 0, "container list");
			s.labels = labels_of(c);
			s.orchestration = orchestration_from_labels(s.labels);
			if (!s.id.empty())
				out.push_back(std::move(s));
		}
	} catch (const json::exception &e) {
		throw RuntimeError(RuntimeFailure::malformed,
				   std::string("container list: unexpected field type: ") + e.what());
	}
	return out;
}

ContainerDetails parse_container_inspect(std::string_view text)
{
	json j = parse(text, "container inspect");
	if (!j.is_object())
		throw RuntimeError(RuntimeFailure::malformed, "container inspect: expected a JSON object");
	ContainerDetails d;
	try {
		d.id = get_or<std::string>(j, "Id", "");
		d.name = strip_slash(get_or<std::string>(j, "Name", ""));
		d.restart_count = natural_or<int>(j, "RestartCount", 0, "container inspect");
		for (const auto &e : get_or<json>(j, "ExecIDs", json::array()))
			d.exec_ids.push_back(e.get<std::string>());
		json state = get_or<json>(j, "State", json::object());
		d.status = get_or<std::string>(state, "Status", "");
		d.running = get_or<bool>(state, "Running", false);
		d.pid = natural_or<pid_t>(state, "Pid", 0, "container inspect");
		json host = get_or<json>(j, "HostConfig", json::object());
		d.cgroup_parent = get_or<std::string>(host, "CgroupParent", "");
		d.labels = labels_of(get_or<json>(j, "Config", json::object()));
		d.orchestration = orchestration_from_labels(d.labels);
	} catch (const json::exception &e) {
		throw RuntimeError(RuntimeFailure::malformed,
				   std::string("container inspect: unexpected field type: ") + e.what());
	}
	if (d.id.empty())
		throw RuntimeError(RuntimeFailure::malformed, "container inspect: no \"Id\" in the answer");
	return d;
}

std::string parse_api_error(std::string_view body)
{
	json j = json::parse(body, nullptr, false);
	if (j.is_object()) {
		auto it = j.find("message");
		if (it != j.end() && it->is_string())
			return it->get<std::string>();
	}
	std::string s(body);
	while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
		s.pop_back();
	return s;
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// `bpfwatch list --output json`: one object, schema in the README.
#include <nlohmann/json.hpp>

#include <ostream>

#include "list/list.h"

namespace bpfwatch {

void print_list_json(std::ostream &out, const ContainerListing &l, std::chrono::milliseconds elapsed)
{
	// Names come from runtimes and labels: not necessarily UTF-8.
	constexpr auto kReplace = nlohmann::json::error_handler_t::replace;
	nlohmann::json containers = nlohmann::json::array();
	for (const Target &t : l.containers)
		containers.push_back({
			{"runtime", t.runtime},
			{"name", t.name},
			{"name_source", t.name_source},
			{"container_id", t.container_id},
			{"runtime_name", t.runtime_name},
			{"runtime_namespace", t.runtime_namespace},
			{"pod", t.pod},
			{"namespace", t.pod_namespace},
			{"task", t.task},
			{"state", t.state},
			{"pid", t.pid},
			{"cgroup_path", t.cgroup_path},
			{"cgroup_id", t.cgroup_id},
			{"labels", t.labels},
		});
	nlohmann::json runtimes = nlohmann::json::array();
	for (const RuntimeStatus &r : l.runtimes)
		runtimes.push_back({
			{"runtime", r.runtime},
			{"endpoint", r.endpoint},
			{"answered", r.answered},
			{"failure", r.failure},
			{"error", r.error},
			{"elapsed_ms", r.elapsed.count()},
			{"containers", r.containers},
		});
	nlohmann::json doc = {{"type", "list"},
			      {"elapsed_ms", elapsed.count()},
			      {"containers", std::move(containers)},
			      {"runtimes", std::move(runtimes)}};
	out << doc.dump(-1, ' ', false, kReplace) << "\n";
}

} // namespace bpfwatch

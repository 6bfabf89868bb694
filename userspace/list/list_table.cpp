// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// `bpfwatch list` as a table: one row per container, columns as wide as
// their widest value, then one line per runtime asked.
#include <fmt/format.h>

#include <ostream>
#include <string>
#include <vector>

#include "list/list.h"
#include "targets/orchestration.h"

namespace bpfwatch {
namespace {

// Names come from runtimes and labels: no control characters reach the
// terminal.
std::string printable(std::string s)
{
	for (char &c : s) {
		auto u = static_cast<unsigned char>(c);
		if (u < 0x20 || u == 0x7f)
			c = '?';
	}
	return s;
}

// "shop/web-0", "task 8f03e4", "ns moby" (containerd's namespace), "-".
std::string owner(const Target &t)
{
	if (!t.pod.empty())
		return t.pod_namespace + "/" + t.pod;
	if (!t.task.empty())
		return "task " + ecs_task_id(t.task);
	if (!t.runtime_namespace.empty())
		return "ns " + t.runtime_namespace;
	return "-";
}

std::string or_dash(const std::string &s)
{
	return s.empty() ? "-" : s;
}

void print_rows(std::ostream &out, const std::vector<std::vector<std::string>> &rows)
{
	std::vector<std::size_t> width;
	for (const auto &r : rows)
		for (std::size_t i = 0; i < r.size(); i++) {
			width.resize(std::max(width.size(), r.size()));
			width[i] = std::max(width[i], r[i].size());
		}
	for (const auto &r : rows) {
		std::string line;
		for (std::size_t i = 0; i < r.size(); i++)
			line += i + 1 == r.size() ? r[i] : fmt::format("{:<{}}  ", r[i], width[i]);
		out << line << "\n";
	}
}

std::string runtime_line(const RuntimeStatus &r)
{
	if (r.answered)
		return fmt::format("  {} {}: {} container{} in {} ms", r.runtime, printable(r.endpoint), r.containers,
				   r.containers == 1 ? "" : "s", r.elapsed.count());
	return fmt::format("  {} {}: did not answer ({}, {} ms): {}", r.runtime, printable(r.endpoint), r.failure,
			   r.elapsed.count(), printable(r.error));
}

} // namespace

void print_list_table(std::ostream &out, const ContainerListing &l, std::chrono::milliseconds elapsed)
{
	std::vector<std::vector<std::string>> rows = {
		{"RUNTIME", "NAME", "POD/TASK", "STATE", "PID", "CGROUP-ID", "NAME FROM", "CGROUP"}};
	for (const Target &t : l.containers)
		rows.push_back({or_dash(t.runtime), printable(t.name), printable(owner(t)), or_dash(t.state),
				t.pid > 0 ? std::to_string(t.pid) : "-",
				t.cgroup_id ? std::to_string(t.cgroup_id) : "-", or_dash(t.name_source),
				or_dash(printable(t.cgroup_path))});
	print_rows(out, rows);
	std::size_t answered = 0;
	for (const RuntimeStatus &r : l.runtimes)
		answered += r.answered ? 1 : 0;
	out << fmt::format("{} container{}; {} of {} runtime endpoint{} answered, in {} ms:\n", l.containers.size(),
			   l.containers.size() == 1 ? "" : "s", answered, l.runtimes.size(),
			   l.runtimes.size() == 1 ? "" : "s", elapsed.count());
	for (const RuntimeStatus &r : l.runtimes)
		out << runtime_line(r) << "\n";
}

} // namespace bpfwatch

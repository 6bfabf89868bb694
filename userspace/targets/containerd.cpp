// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/containerd.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <chrono>
#include <future>
#include <memory>

#include <nlohmann/json.hpp>

#include "targets/cgroup.h"
#include "targets/numbers.h"
#include "targets/orchestration.h"
#include "targets/runtime_error.h"
#include "util/error.h"
#include "util/file.h"

namespace bpfwatch {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char *kTaskDir = "io.containerd.runtime.v2.task";
// `ctr containers info` runs at once, at most.
constexpr std::size_t kCtrParallel = 4;

bool is_dir(const std::string &path)
{
	struct stat st {};
	return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool exists(const std::string &path)
{
	struct stat st {};
	return stat(path.c_str(), &st) == 0;
}

// Subdirectory names of `dir`; throws Error when it cannot be opened.
std::vector<std::string> subdirs(const std::string &dir)
{
	struct Close {
		void operator()(DIR *d) const { closedir(d); }
	};
	std::unique_ptr<DIR, Close> d(opendir(dir.c_str()));
	if (!d)
		throw RuntimeError(errno == EACCES ? RuntimeFailure::permission : RuntimeFailure::missing,
				   errno_message("cannot read " + dir, errno));
	std::vector<std::string> out;
	while (dirent *e = readdir(d.get())) {
		std::string name = e->d_name;
		if (name == "." || name == "..")
			continue;
		if (e->d_type == DT_DIR || (e->d_type == DT_UNKNOWN && is_dir(dir + "/" + name)))
			out.push_back(name);
	}
	std::sort(out.begin(), out.end());
	return out;
}

std::string trim(std::string_view s)
{
	while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
		s.remove_prefix(1);
	while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
		s.remove_suffix(1);
	return std::string(s);
}

std::vector<std::string> lines(std::string_view text)
{
	std::vector<std::string> out;
	std::size_t start = 0;
	while (start < text.size()) {
		std::size_t nl = text.find('\n', start);
		if (nl == std::string_view::npos)
			nl = text.size();
		std::string line = trim(text.substr(start, nl - start));
		if (!line.empty())
			out.push_back(std::move(line));
		start = nl + 1;
	}
	return out;
}

// "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice": systemd nests a
// slice under the slices named by each dash-separated prefix.
std::string expand_slice(std::string_view slice)
{
	if (slice.empty() || slice == "-.slice")
		return "";
	std::string_view base = slice;
	if (base.size() > 6 && base.substr(base.size() - 6) == ".slice")
		base.remove_suffix(6);
	std::string out;
	for (std::size_t dash = base.find('-'); dash != std::string_view::npos; dash = base.find('-', dash + 1))
		out += "/" + std::string(base.substr(0, dash)) + ".slice";
	return out + "/" + std::string(base) + ".slice";
}

std::chrono::milliseconds left_until(Clock::time_point deadline)
{
	auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
	return std::max(left, std::chrono::milliseconds(0));
}

} // namespace

std::vector<ContainerdEndpoint> default_containerd_endpoints()
{
	return {
		{"/run/containerd/containerd.sock", "/run/containerd"},
		{"/run/k3s/containerd/containerd.sock", "/run/k3s/containerd"},
		{"/var/run/docker/containerd/containerd.sock", "/var/run/docker/containerd/daemon"},
	};
}

std::vector<std::string> containerd_task_dirs(const ContainerdEndpoint &ep)
{
	if (!ep.state_dir.empty())
		return {join_cgroup_path(ep.state_dir, kTaskDir)};
	std::string dir = ep.socket.substr(0, ep.socket.rfind('/'));
	if (dir.empty())
		dir = "/";
	return {join_cgroup_path(dir, kTaskDir), join_cgroup_path(dir + "/daemon", kTaskDir)};
}

OciSpec parse_oci_spec(std::string_view text)
{
	json j = json::parse(text, nullptr, false);
	if (j.is_discarded() || !j.is_object())
		throw RuntimeError(RuntimeFailure::malformed, "OCI spec: not a JSON object");
	OciSpec spec;
	auto ann = j.find("annotations");
	if (ann != j.end() && ann->is_object())
		for (const auto &[k, v] : ann->items())
			if (v.is_string())
				spec.annotations.emplace(k, v.get<std::string>());
	auto linux = j.find("linux");
	if (linux != j.end() && linux->is_object()) {
		auto cg = linux->find("cgroupsPath");
		if (cg != linux->end() && cg->is_string())
			spec.cgroups_path = cg->get<std::string>();
	}
	return spec;
}

std::string cgroup_path_from_oci(std::string_view p)
{
	if (p.empty())
		return "";
	if (p.front() == '/')
		return std::string(p);
	// runc's systemd driver: "slice:prefix:name", the unit "prefix-name.scope".
	std::size_t c1 = p.find(':');
	std::size_t c2 = c1 == std::string_view::npos ? c1 : p.find(':', c1 + 1);
	if (c2 == std::string_view::npos)
		return "/" + std::string(p);
	std::string_view slice = p.substr(0, c1), prefix = p.substr(c1 + 1, c2 - c1 - 1),
			 name = p.substr(c2 + 1);
	std::string unit = std::string(name);
	if (unit.size() < 6 || unit.substr(unit.size() - 6) != ".slice")
		unit = (prefix.empty() ? "" : std::string(prefix) + "-") + unit + ".scope";
	return expand_slice(slice.empty() ? "system.slice" : slice) + "/" + unit;
}

std::vector<std::string> parse_ctr_namespaces(std::string_view text)
{
	return lines(text);
}

std::vector<CtrTask> parse_ctr_tasks(std::string_view text)
{
	std::vector<CtrTask> out;
	auto rows = lines(text);
	if (rows.empty())
		return out;
	if (rows.front().rfind("TASK", 0) != 0)
		throw RuntimeError(RuntimeFailure::malformed,
				   "ctr tasks ls: expected a TASK PID STATUS table, got '" + rows.front() + "'");
	for (std::size_t i = 1; i < rows.size(); i++) {
		std::vector<std::string> f;
		std::size_t pos = 0;
		const std::string &r = rows[i];
		while (pos < r.size()) {
			std::size_t start = r.find_first_not_of(" \t", pos);
			if (start == std::string::npos)
				break;
			std::size_t end = r.find_first_of(" \t", start);
			f.push_back(r.substr(start, end == std::string::npos ? std::string::npos : end - start));
			pos = end == std::string::npos ? r.size() : end;
		}
		std::optional<pid_t> pid = f.size() == 3 ? parse_pid(f[1]) : std::nullopt;
		if (!pid)
			throw RuntimeError(RuntimeFailure::malformed, "ctr tasks ls: unexpected row '" + r + "'");
		out.push_back({f[0], *pid, f[2]});
	}
	return out;
}

CtrContainerInfo parse_ctr_container_info(std::string_view text)
{
	json j = json::parse(text, nullptr, false);
	if (j.is_discarded() || !j.is_object())
		throw RuntimeError(RuntimeFailure::malformed, "ctr containers info: not a JSON object");
	CtrContainerInfo info;
	try {
		info.id = j.value("ID", "");
		info.image = j.value("Image", "");
		auto labels = j.find("Labels");
		if (labels != j.end() && labels->is_object())
			for (const auto &[k, v] : labels->items())
				if (v.is_string())
					info.labels.emplace(k, v.get<std::string>());
		auto spec = j.find("Spec");
		if (spec != j.end() && spec->is_object())
			info.spec = parse_oci_spec(spec->dump());
	} catch (const json::exception &e) {
		throw RuntimeError(RuntimeFailure::malformed,
				   std::string("ctr containers info: unexpected field type: ") + e.what());
	}
	if (info.id.empty())
		throw RuntimeError(RuntimeFailure::malformed, "ctr containers info: no \"ID\"");
	return info;
}

ContainerSummary containerd_summary(const std::string &ns, const std::string &id, Labels labels,
				    pid_t pid, const std::string &state, const std::string &image)
{
	ContainerSummary c;
	c.id = id;
	// containerd's ids are chosen by its client: a name for ctr, a hex
	// id for Docker and the CRI plugin.
	c.names = {id};
	c.image = image;
	c.state = state;
	c.pid = pid;
	c.runtime = "containerd";
	c.runtime_namespace = ns;
	c.orchestration = orchestration_from_labels(labels);
	c.labels = std::move(labels);
	return c;
}

ContainerdSource::ContainerdSource(ContainerdEndpoint ep, std::string ctr_program, std::string proc_root,
				   DockerTimeouts timeouts)
	: ep_(std::move(ep)), ctr_(std::move(ctr_program)), proc_root_(std::move(proc_root)),
	  timeouts_(timeouts)
{
}

std::vector<ContainerSummary> ContainerdSource::list_state(const std::string &task_dir)
{
	std::vector<ContainerSummary> out;
	for (const std::string &ns : subdirs(task_dir)) {
		std::vector<std::string> ids;
		try {
			ids = subdirs(task_dir + "/" + ns);
		} catch (const Error &) {
			continue; // a namespace removed while listing
		}
		for (const std::string &id : ids) {
			std::string bundle = task_dir + "/" + ns + "/" + id;
			OciSpec spec;
			pid_t pid = 0;
			try {
				spec = parse_oci_spec(read_text_file(bundle + "/config.json"));
				pid = parse_pid(read_text_file(bundle + "/init.pid")).value_or(0);
			} catch (const RuntimeError &e) {
				throw RuntimeError(e.kind(), bundle + "/config.json: " + e.what());
			} catch (const std::exception &) {
				continue; // being created or deleted: no config.json or init.pid yet
			}
			bool alive = pid > 0 && exists(proc_root_ + "/" + std::to_string(pid));
			out.push_back(containerd_summary(ns, id, std::move(spec.annotations), alive ? pid : 0,
							 alive ? "running" : "stopped"));
		}
	}
	return out;
}

std::vector<ContainerSummary> ContainerdSource::list_ctr()
{
	const auto deadline = Clock::now() + timeouts_.total;
	auto ctr = [&](std::vector<std::string> args) {
		std::string what;
		for (const auto &a : args)
			what += " " + a;
		args.insert(args.begin(), {ctr_, "-a", ep_.socket});
		auto left = left_until(deadline);
		if (left.count() == 0)
			throw RuntimeError(RuntimeFailure::timeout,
					   "containerd " + ep_.socket + ": ctr gave no full answer within " +
						   std::to_string(timeouts_.total.count()) + " ms");
		CommandResult r = run_runtime_command(args, left);
		if (r.status != 0) {
			auto err = lines(r.err);
			std::string msg = err.empty() ? "exit " + std::to_string(r.status) : err.back();
			bool refused = msg.find("connection refused") != std::string::npos ||
				       msg.find("no such file") != std::string::npos;
			throw RuntimeError(refused ? RuntimeFailure::refused : RuntimeFailure::failed,
					   "containerd " + ep_.socket + ": ctr" + what + ": " + msg);
		}
		return r.out;
	};

	std::vector<ContainerSummary> out;
	for (const std::string &ns : parse_ctr_namespaces(ctr({"namespaces", "ls", "-q"}))) {
		std::vector<CtrTask> tasks = parse_ctr_tasks(ctr({"-n", ns, "tasks", "ls"}));
		for (std::size_t i = 0; i < tasks.size(); i += kCtrParallel) {
			std::vector<std::future<std::optional<ContainerSummary>>> batch;
			for (std::size_t k = i; k < std::min(tasks.size(), i + kCtrParallel); k++)
				batch.push_back(std::async(std::launch::async, [&, t = tasks[k]]() -> std::optional<ContainerSummary> {
					std::string json;
					try {
						json = ctr({"-n", ns, "containers", "info", t.id});
					} catch (const RuntimeError &e) {
						// Deleted between `tasks ls` and now.
						if (e.kind() == RuntimeFailure::failed &&
						    std::string(e.what()).find("not found") != std::string::npos)
							return std::nullopt;
						throw;
					}
					auto info = parse_ctr_container_info(json);
					// Its labels first: they are containerd's own; the
					// spec's annotations fill in what they lack.
					Labels labels = info.labels;
					labels.insert(info.spec.annotations.begin(), info.spec.annotations.end());
					bool running = t.status == "RUNNING" || t.status == "PAUSED";
					std::string state = t.status == "PAUSED" ? "paused" : running ? "running" : "stopped";
					return containerd_summary(ns, t.id, std::move(labels), running ? t.pid : 0,
								  state, info.image);
				}));
			for (auto &f : batch)
				if (auto c = f.get())
					out.push_back(std::move(*c));
		}
	}
	return out;
}

std::vector<ContainerSummary> ContainerdSource::list_running()
{
	std::string task_dir;
	for (const std::string &d : containerd_task_dirs(ep_))
		if (is_dir(d)) {
			task_dir = d;
			break;
		}
	if (!task_dir.empty() && access(task_dir.c_str(), R_OK | X_OK) == 0) {
		method_ = "state";
		all_ = list_state(task_dir);
	} else if (exists(ep_.socket)) {
		method_ = "ctr";
		all_ = list_ctr();
	} else {
		std::string why = task_dir.empty() ? "no task state at " + containerd_task_dirs(ep_).front()
						   : "task state " + task_dir + " not readable (needs root)";
		throw RuntimeError(task_dir.empty() ? RuntimeFailure::missing : RuntimeFailure::permission,
				   "containerd socket " + ep_.socket + " not found and " + why);
	}
	std::vector<ContainerSummary> running;
	for (const auto &c : all_)
		if (c.state == "running")
			running.push_back(c);
	return running;
}

std::optional<ContainerDetails> ContainerdSource::inspect(const std::string &id_or_name)
{
	auto find = [&]() -> const ContainerSummary * {
		for (const auto &c : all_)
			if (c.id == id_or_name || c.runtime_namespace + "/" + c.id == id_or_name)
				return &c;
		return nullptr;
	};
	const ContainerSummary *c = find();
	if (!c) {
		list_running();
		c = find();
	}
	if (!c)
		return std::nullopt;
	ContainerDetails d;
	d.id = c->id;
	d.name = c->id;
	d.status = c->state;
	d.running = c->state == "running" && c->pid > 0;
	d.pid = c->pid;
	d.labels = c->labels;
	d.orchestration = c->orchestration;
	return d;
}

} // namespace bpfwatch

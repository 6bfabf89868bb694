// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/cgroup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "util/error.h"
#include "util/file.h"

namespace bpfwatch {
namespace {

std::vector<std::string_view> split(std::string_view s, char sep)
{
	std::vector<std::string_view> out;
	std::size_t start = 0;
	while (start <= s.size()) {
		std::size_t end = s.find(sep, start);
		if (end == std::string_view::npos)
			end = s.size();
		if (end > start)
			out.push_back(s.substr(start, end - start));
		start = end + 1;
	}
	return out;
}

bool is_octal(char c)
{
	return c >= '0' && c <= '7';
}

} // namespace

std::string unescape_mountinfo(std::string_view field)
{
	std::string out;
	out.reserve(field.size());
	for (std::size_t i = 0; i < field.size(); i++) {
		if (field[i] == '\\' && i + 3 < field.size() && is_octal(field[i + 1]) &&
		    is_octal(field[i + 2]) && is_octal(field[i + 3])) {
			out += static_cast<char>((field[i + 1] - '0') * 64 +
						 (field[i + 2] - '0') * 8 + (field[i + 3] - '0'));
			i += 3;
		} else {
			out += field[i];
		}
	}
	return out;
}

std::optional<CgroupMount> find_cgroup2_mount(std::string_view mountinfo)
{
	std::optional<CgroupMount> narrowed;
	for (std::string_view line : split(mountinfo, '\n')) {
		// ID PARENT MAJ:MIN ROOT MOUNT OPTS [optional fields...] - FSTYPE SRC SUPER
		// The optional fields vary in number, so the fstype is found after
		// the lone "-" rather than at a fixed column.
		auto f = split(line, ' ');
		if (f.size() < 7)
			continue;
		std::size_t dash = 6;
		while (dash < f.size() && f[dash] != "-")
			dash++;
		if (dash + 1 >= f.size() || f[dash + 1] != "cgroup2")
			continue;
		CgroupMount m{unescape_mountinfo(f[4]), unescape_mountinfo(f[3])};
		if (m.root == "/")
			return m;
		if (!narrowed)
			narrowed = std::move(m);
	}
	return narrowed;
}

std::string parse_proc_cgroup_v2(std::string_view text, const std::string &source)
{
	for (std::string_view line : split(text, '\n')) {
		// "0::/path": hierarchy 0 with no controllers is the v2 one. The
		// path itself may contain ':', so only the first two separate.
		std::size_t c1 = line.find(':');
		if (c1 == std::string_view::npos)
			continue;
		std::size_t c2 = line.find(':', c1 + 1);
		if (c2 == std::string_view::npos)
			continue;
		if (line.substr(0, c1) != "0" || c2 != c1 + 1)
			continue;
		std::string_view path = line.substr(c2 + 1);
		if (!path.empty() && path.back() == '\r')
			path.remove_suffix(1);
		if (path.empty() || path.front() != '/')
			throw Error(source + ": malformed cgroup v2 entry '" + std::string(line) + "'");
		return std::string(path);
	}
	throw Error(source + " has no cgroup v2 entry (\"0::/...\"); bpfwatch needs "
		    "cgroup v2, pure or hybrid");
}

std::string detect_cgroup2_root(const std::string &mountinfo_path)
{
	auto m = find_cgroup2_mount(read_text_file(mountinfo_path));
	if (!m)
		throw Error("no cgroup2 filesystem in " + mountinfo_path +
			    "; bpfwatch needs cgroup v2 (pure or hybrid)");
	return m->mount_point;
}

std::string cgroup_path_of_pid(pid_t pid, const std::string &proc_root)
{
	std::string file = proc_root + "/" + std::to_string(pid) + "/cgroup";
	std::string text;
	try {
		text = read_text_file(file);
	} catch (const SystemError &e) {
		if (e.code() == ENOENT)
			throw Error("no process with pid " + std::to_string(pid) + " (" + file +
				    " does not exist)");
		throw;
	}
	std::string path = parse_proc_cgroup_v2(text, file);
	// Seen from a private cgroup namespace, cgroups outside it read as
	// "/../..": such a path cannot be found under our mount.
	if (path.rfind("/..", 0) == 0)
		throw Error("pid " + std::to_string(pid) + " is outside our cgroup namespace (" +
			    path + "); run bpfwatch in the host cgroup namespace");
	return path;
}

std::uint64_t cgroup_id_of_dir(const std::string &dir)
{
	struct stat st {};
	if (stat(dir.c_str(), &st) != 0)
		throw Error(errno_message("cgroup " + dir, errno));
	if (!S_ISDIR(st.st_mode))
		throw Error("cgroup " + dir + ": not a directory");
	return st.st_ino;
}

std::string join_cgroup_path(const std::string &root, std::string_view rel)
{
	std::string out = root;
	while (out.size() > 1 && out.back() == '/')
		out.pop_back();
	while (!rel.empty() && rel.front() == '/')
		rel.remove_prefix(1);
	if (rel.empty())
		return out;
	if (out != "/")
		out += '/';
	out += rel;
	return out;
}

std::string relative_cgroup_path(const std::string &root, std::string_view path)
{
	std::string_view base = root;
	while (base.size() > 1 && base.back() == '/')
		base.remove_suffix(1);
	if (base.size() > 1 && path.substr(0, base.size()) == base &&
	    (path.size() == base.size() || path[base.size()] == '/'))
		path.remove_prefix(base.size());

	std::string out;
	for (std::string_view part : split(path, '/')) {
		if (part == ".")
			continue;
		// A ".." could climb out of the v2 mount into any directory.
		if (part == "..")
			throw Error("cgroup path '" + std::string(path) + "' must not contain '..'");
		out += '/';
		out += part;
	}
	return out.empty() ? "/" : out;
}

} // namespace bpfwatch

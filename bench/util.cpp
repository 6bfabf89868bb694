// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "subprocess.h"

namespace bench {

std::atomic<bool> g_stop{false};

namespace {

void on_stop_signal(int)
{
	g_stop.store(true);
	// Async-signal-safe: only kill(2). The owners reap them on unwind.
	kill_children_now();
}

} // namespace

void install_stop_signals()
{
	struct sigaction sa {};
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	for (int sig : {SIGINT, SIGTERM, SIGHUP})
		sigaction(sig, &sa, nullptr);
	signal(SIGPIPE, SIG_IGN);
}

void fail_errno(const std::string &what, int err)
{
	throw std::runtime_error(what + ": " + std::strerror(err < 0 ? -err : err));
}

std::uint64_t now_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return std::uint64_t(ts.tv_sec) * 1000000000ull + ts.tv_nsec;
}

void sleep_ms(int ms)
{
	timespec ts{ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !g_stop)
		;
}

Fd::~Fd()
{
	if (fd_ >= 0)
		close(fd_);
}

Fd &Fd::operator=(Fd &&o) noexcept
{
	if (this != &o) {
		if (fd_ >= 0)
			close(fd_);
		fd_ = o.release();
	}
	return *this;
}

std::string read_file(const std::string &path)
{
	std::ifstream in(path);
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

void write_file(const std::string &path, const std::string &text)
{
	Fd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
	if (fd.get() < 0)
		fail_errno("open " + path, errno);
	if (write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
		fail_errno("write '" + text + "' to " + path, errno);
}

std::string field_of(const std::string &text, const std::string &key)
{
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line)) {
		// "key:\tvalue" (fdinfo, status) or "key\t: value" (cpuinfo).
		std::size_t colon = line.find(':');
		if (colon == std::string::npos || line.rfind(key, 0) != 0 ||
		    line.find_first_not_of(" \t", key.size()) != colon)
			continue;
		std::size_t v = line.find_first_not_of(" \t", colon + 1);
		return v == std::string::npos ? "" : line.substr(v);
	}
	return "";
}

std::uint64_t cpu_ns_of_task(pid_t pid, pid_t tid)
{
	std::string base = "/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid);
	std::string sched = read_file(base + "/schedstat");
	if (!sched.empty())
		return std::stoull(sched); // first field: ns on CPU
	// Fallback: utime + stime in clock ticks (fields 14 and 15).
	std::string stat = read_file(base + "/stat");
	std::size_t paren = stat.rfind(')');
	if (paren == std::string::npos)
		return 0;
	std::istringstream in(stat.substr(paren + 2));
	std::string f;
	std::uint64_t ticks = 0;
	for (int i = 3; i <= 15 && in >> f; i++)
		if (i >= 14)
			ticks += std::stoull(f);
	return ticks * (1000000000ull / sysconf(_SC_CLK_TCK));
}

std::uint64_t cpu_ns_of_process(pid_t pid)
{
	std::uint64_t total = 0;
	std::string dir = "/proc/" + std::to_string(pid) + "/task";
	DIR *d = opendir(dir.c_str());
	if (!d)
		return 0;
	while (dirent *e = readdir(d))
		if (e->d_name[0] != '.')
			total += cpu_ns_of_task(pid, std::atoi(e->d_name));
	closedir(d);
	return total;
}

std::uint64_t thread_cpu_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return std::uint64_t(ts.tv_sec) * 1000000000ull + ts.tv_nsec;
}

namespace {
int g_writer_cpu = -1;
} // namespace

void set_writer_cpu(int cpu)
{
	g_writer_cpu = cpu;
}

cpu_set_t tool_cpus()
{
	cpu_set_t set;
	CPU_ZERO(&set);
	long n = sysconf(_SC_NPROCESSORS_CONF);
	for (long c = 0; c < n && c < CPU_SETSIZE; c++)
		if (c != g_writer_cpu || n == 1)
			CPU_SET(c, &set);
	return set;
}

void pin_tool_thread()
{
	cpu_set_t set = tool_cpus();
	sched_setaffinity(0, sizeof(set), &set);
}

void pin_thread(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	long n = sysconf(_SC_NPROCESSORS_CONF);
	for (long c = 0; c < n && c < CPU_SETSIZE; c++)
		if (cpu < 0 || c == cpu)
			CPU_SET(c, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

} // namespace bench

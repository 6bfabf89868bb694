// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "e2e/e2e_support.h"

#include "support/skip.h"
#include "util/command.h"
#include "util/fd.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <fstream>
#include <sstream>
#include <thread>

namespace bpfwatch::e2e {
namespace {

std::string slurp(const std::string &path)
{
	std::ifstream in(path);
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}


} // namespace

CommandResult sh(const std::string &command)
{
	CommandResult r;
	FILE *p = popen(command.c_str(), "r");
	if (!p)
		return r;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		r.out.append(buf, n);
	r.status = exit_status(pclose(p));
	return r;
}

std::string sh_out(const std::string &command)
{
	std::string out = sh(command).out;
	while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
		out.pop_back();
	return out;
}

Subprocess::Subprocess(std::vector<std::string> argv)
{
	static int counter = 0;
	std::string base = "/tmp/bpfwatch-e2e-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
	out_path_ = base + ".out";
	err_path_ = base + ".err";
	pid_ = fork();
	if (pid_ == 0) {
		// Its own process group: destruction takes its children along.
		setpgid(0, 0);
		int out = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(out, 1);
		dup2(err, 2);
		std::vector<char *> args;
		for (std::string &a : argv)
			args.push_back(a.data());
		args.push_back(nullptr);
		execv(args[0], args.data());
		_exit(127);
	}
}

Subprocess::~Subprocess()
{
	if (pid_ > 0)
		kill(-pid_, SIGKILL);
	if (status_ < 0 && pid_ > 0)
		waitpid(pid_, nullptr, 0);
	unlink(out_path_.c_str());
	unlink(err_path_.c_str());
}

bool Subprocess::wait_for_stderr(const std::string &text, std::chrono::milliseconds timeout)
{
	return eventually([&] { return err().find(text) != std::string::npos || wait(std::chrono::milliseconds(0)) >= 0; },
			  timeout) &&
	       err().find(text) != std::string::npos;
}

int Subprocess::wait(std::chrono::milliseconds timeout)
{
	auto deadline = std::chrono::steady_clock::now() + timeout;
	while (status_ < 0) {
		int status = 0;
		if (waitpid(pid_, &status, WNOHANG) == pid_) {
			status_ = exit_status(status);
			break;
		}
		if (std::chrono::steady_clock::now() >= deadline)
			break;
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
	}
	return status_;
}

void Subprocess::signal(int sig)
{
	if (status_ < 0)
		kill(pid_, sig);
}

void Subprocess::signal_group(int sig)
{
	if (pid_ > 0)
		kill(-pid_, sig);
}

std::string Subprocess::out() const
{
	return slurp(out_path_);
}

std::string Subprocess::err() const
{
	return slurp(err_path_);
}

std::vector<nlohmann::json> json_lines(const std::string &text, const std::string &type)
{
	std::vector<nlohmann::json> out;
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line)) {
		auto j = nlohmann::json::parse(line, nullptr, false);
		if (!j.is_discarded() && j.value("type", "") == type)
			out.push_back(std::move(j));
	}
	return out;
}

bool eventually(const std::function<bool()> &check, std::chrono::milliseconds timeout)
{
	auto deadline = std::chrono::steady_clock::now() + timeout;
	while (!check()) {
		if (std::chrono::steady_clock::now() >= deadline)
			return false;
		std::this_thread::sleep_for(std::chrono::milliseconds(100));
	}
	return true;
}

void require_docker()
{
	std::string why;
	if (geteuid() != 0)
		why = "needs root (BPF and the Docker socket)";
	else if (sh("docker info >/dev/null 2>&1").status != 0)
		why = "no dockerd answers on /var/run/docker.sock (scripts/test starts one)";
	else if (sh(std::string("docker image inspect ") + kImage + " >/dev/null 2>&1").status != 0)
		why = std::string("image ") + kImage + " missing (tests/e2e/support/build-busybox-image)";
	if (!why.empty())
		BW_SKIP_OR_FAIL(why);
}

namespace {

nlohmann::json bpftool_programs()
{
	auto j = nlohmann::json::parse(sh("bpftool prog show --json 2>/dev/null").out, nullptr, false);
	return j.is_array() ? j : nlohmann::json::array();
}

} // namespace

std::set<std::uint32_t> programs_held_by(pid_t pid)
{
	// Every prog and link fd names its program in fdinfo ("prog_id:"),
	// which works where bpftool was built without pid iteration.
	std::set<std::uint32_t> ids;
	std::string dir = "/proc/" + std::to_string(pid) + "/fdinfo";
	std::istringstream names(sh("ls " + dir + " 2>/dev/null").out);
	std::string fd;
	while (names >> fd) {
		std::ifstream info(dir + "/" + fd);
		std::string line;
		while (std::getline(info, line))
			if (line.rfind("prog_id:", 0) == 0)
				ids.insert(static_cast<std::uint32_t>(std::stoul(line.substr(8))));
	}
	return ids;
}

std::set<std::uint32_t> still_loaded(const std::set<std::uint32_t> &ids)
{
	std::set<std::uint32_t> found;
	eventually(
		[&] {
			found.clear();
			for (const auto &prog : bpftool_programs())
				if (ids.count(prog["id"].get<std::uint32_t>()))
					found.insert(prog["id"].get<std::uint32_t>());
			return found.empty();
		},
		std::chrono::seconds(5));
	return found;
}

Container::Container(std::string name, const std::string &run_args, const std::string &command) : name_(std::move(name))
{
	sh("docker rm -f " + name_ + " >/dev/null 2>&1");
	std::string cmd = "docker run -d --pull never --name " + name_ + " " + run_args + " " + kImage +
			  " /bin/sh -c '" + command + "' >/dev/null";
	int status = sh(cmd).status;
	if (status != 0)
		ADD_FAILURE() << "could not start container " << name_ << ": " << cmd;
}

Container::~Container()
{
	sh("docker rm -f " + name_ + " >/dev/null 2>&1");
}

std::string Container::id() const
{
	return sh_out("docker inspect -f '{{.Id}}' " + name_);
}

std::string Container::ip() const
{
	return sh_out("docker inspect -f '{{.NetworkSettings.IPAddress}}' " + name_);
}

std::string Container::logs() const
{
	return sh_out("docker logs " + name_ + " 2>&1");
}

Reply http_get(const std::string &url)
{
	Reply r;
	std::unique_ptr<CURL, void (*)(CURL *)> curl(curl_easy_init(), curl_easy_cleanup);
	curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
	curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, +[](char *p, size_t, size_t n, void *out) {
		static_cast<std::string *>(out)->append(p, n);
		return n;
	});
	curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &r.body);
	if (curl_easy_perform(curl.get()) == CURLE_OK)
		curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &r.status);
	return r;
}

std::uint16_t free_loopback_port()
{
	UniqueFd fd(socket(AF_INET, SOCK_STREAM, 0));
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd.get(), reinterpret_cast<sockaddr *>(&a), sizeof(a)))
		return 0;
	socklen_t len = sizeof(a);
	getsockname(fd.get(), reinterpret_cast<sockaddr *>(&a), &len);
	return ntohs(a.sin_port);
}

} // namespace bpfwatch::e2e

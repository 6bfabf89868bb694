// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A unix-socket HTTP server for runtime clients: answers GETs from a table,
// or accepts and never answers (a wedged daemon), or is bound and never
// listens (a daemon that died and left its socket). Stops on destruction.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace bpfwatch::test {

class FakeUnixServer {
public:
	enum class Mode {
		answer, // routes, else 404
		silent, // accept, read, never reply
		dead,   // bound, not listening: connect() is refused
	};

	FakeUnixServer(std::string path, Mode mode, std::map<std::string, std::pair<int, std::string>> routes = {})
		: path_(std::move(path)), mode_(mode), routes_(std::move(routes))
	{
		unlink(path_.c_str());
		fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		sockaddr_un a{};
		a.sun_family = AF_UNIX;
		std::snprintf(a.sun_path, sizeof(a.sun_path), "%s", path_.c_str());
		if (bind(fd_, reinterpret_cast<sockaddr *>(&a), sizeof(a)) != 0)
			return;
		if (mode_ == Mode::dead)
			return;
		listen(fd_, 64);
		thread_ = std::thread([this] { serve(); });
	}

	~FakeUnixServer()
	{
		stop_ = true;
		if (thread_.joinable())
			thread_.join();
		for (int c : held_)
			close(c);
		close(fd_);
		unlink(path_.c_str());
	}

	FakeUnixServer(const FakeUnixServer &) = delete;
	FakeUnixServer &operator=(const FakeUnixServer &) = delete;

	const std::string &path() const { return path_; }
	int requests() const { return requests_; }
	std::vector<std::string> paths_asked() const
	{
		std::lock_guard lock(mu_);
		return asked_;
	}

private:
	void serve()
	{
		while (!stop_) {
			pollfd p{fd_, POLLIN, 0};
			if (poll(&p, 1, 20) <= 0)
				continue;
			int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
			if (c < 0)
				continue;
			std::string req;
			char buf[4096];
			while (req.find("\r\n\r\n") == std::string::npos) {
				pollfd q{c, POLLIN, 0};
				if (poll(&q, 1, 1000) <= 0)
					break;
				ssize_t n = read(c, buf, sizeof(buf));
				if (n <= 0)
					break;
				req.append(buf, static_cast<std::size_t>(n));
			}
			requests_++;
			if (mode_ == Mode::silent) {
				held_.push_back(c); // keep it open: the client waits
				continue;
			}
			std::string path;
			std::size_t sp = req.find(' ');
			if (sp != std::string::npos)
				path = req.substr(sp + 1, req.find(' ', sp + 1) - sp - 1);
			{
				std::lock_guard lock(mu_);
				asked_.push_back(path);
			}
			auto it = routes_.find(path);
			int status = it == routes_.end() ? 404 : it->second.first;
			std::string body = it == routes_.end() ? "can't find the container with id" : it->second.second;
			std::string resp = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n"
					   "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
			(void)!write(c, resp.data(), resp.size());
			close(c);
		}
	}

	std::string path_;
	Mode mode_;
	std::map<std::string, std::pair<int, std::string>> routes_;
	int fd_ = -1;
	std::thread thread_;
	std::atomic<bool> stop_{false};
	std::atomic<int> requests_{0};
	std::vector<int> held_;
	mutable std::mutex mu_;
	std::vector<std::string> asked_;
};

} // namespace bpfwatch::test

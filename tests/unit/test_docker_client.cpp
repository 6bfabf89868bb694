// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The Docker client's transport and error paths, against a canned HTTP
// server on a scratch unix socket: no daemon and no root needed.
#include <gtest/gtest.h>

#include <functional>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "targets/docker.h"
#include "test_targets_fixture.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

using test::fixture;
using test::ScratchDir;
using namespace std::chrono_literals;

int bound_socket(const std::string &path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sockaddr_un addr{};
	addr.sun_family = AF_UNIX;
	std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
	EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)), 0);
	return fd;
}

// Answers each connection with one canned response, or with silence.
class FakeDaemon {
public:
	struct Reply {
		int status;
		std::string body;
	};

	FakeDaemon(const std::string &path, std::vector<Reply> replies, bool silent = false)
		: fd_(bound_socket(path)), replies_(std::move(replies)), silent_(silent)
	{
		listen(fd_, 8);
		thread_ = std::thread([this] { serve(); });
	}
	~FakeDaemon()
	{
		stop_ = true;
		shutdown(fd_, SHUT_RDWR);
		thread_.join();
		close(fd_);
	}

	std::vector<std::string> requests; // request lines, read after the client returned

private:
	void serve()
	{
		for (std::size_t i = 0; !stop_; i++) {
			int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
			if (c < 0)
				return;
			std::string req;
			char buf[1024];
			while (req.find("\r\n\r\n") == std::string::npos) {
				ssize_t n = read(c, buf, sizeof(buf));
				if (n <= 0)
					break;
				req.append(buf, static_cast<std::size_t>(n));
			}
			requests.push_back(req.substr(0, req.find("\r\n")));
			if (silent_) {
				// Hold the connection open until the client gives up.
				while (read(c, buf, sizeof(buf)) > 0) {
				}
			} else {
				const Reply &r = replies_[std::min(i, replies_.size() - 1)];
				std::string resp = "HTTP/1.1 " + std::to_string(r.status) +
						   " X\r\nContent-Type: application/json\r\n"
						   "Content-Length: " + std::to_string(r.body.size()) +
						   "\r\nConnection: close\r\n\r\n" + r.body;
				ssize_t ignored = write(c, resp.data(), resp.size());
				(void)ignored;
			}
			close(c);
		}
	}

	int fd_;
	std::vector<Reply> replies_;
	bool silent_;
	std::atomic<bool> stop_{false};
	std::thread thread_;
};

std::string error_of(const std::function<void()> &f)
{
	try {
		f();
	} catch (const Error &e) {
		return e.what();
	}
	return "(no error)";
}

TEST(DockerClient, MissingSocketSaysWhatToDo)
{
	DockerClient docker("/nonexistent/docker.sock");
	EXPECT_EQ(error_of([&] { docker.list_running(); }),
		  "docker socket /nonexistent/docker.sock not found; is dockerd running? "
		  "use --cgroup or --pid instead");
	DockerClient podman("/nonexistent/podman.sock", "podman");
	std::string err = error_of([&] { podman.inspect("x"); });
	EXPECT_NE(err.find("podman socket /nonexistent/podman.sock not found"), std::string::npos)
		<< err;
}

TEST(DockerClient, NotASocket)
{
	ScratchDir dir;
	dir.write("/docker.sock", "");
	DockerClient docker(dir.path() + "/docker.sock");
	EXPECT_NE(error_of([&] { docker.list_running(); }).find("is not a unix socket"),
		  std::string::npos);
}

TEST(DockerClient, ConnectionRefused)
{
	ScratchDir dir;
	// Bound but not listening: connect() gets ECONNREFUSED, as with a
	// socket file left behind by a dead daemon.
	int fd = bound_socket(dir.path() + "/docker.sock");
	DockerClient docker(dir.path() + "/docker.sock");
	std::string err = error_of([&] { docker.list_running(); });
	close(fd);
	EXPECT_NE(err.find("cannot connect: Connection refused"), std::string::npos) << err;
	EXPECT_NE(err.find(dir.path() + "/docker.sock"), std::string::npos) << err;
}

TEST(DockerClient, Timeout)
{
	ScratchDir dir;
	FakeDaemon daemon(dir.path() + "/docker.sock", {}, true);
	DockerClient docker(dir.path() + "/docker.sock", "docker", DockerTimeouts{200ms, 300ms});
	auto start = std::chrono::steady_clock::now();
	std::string err = error_of([&] { docker.list_running(); });
	EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
	EXPECT_NE(err.find("no answer within 300 ms"), std::string::npos) << err;
}

TEST(DockerClient, ListsAndInspects)
{
	ScratchDir dir;
	FakeDaemon daemon(dir.path() + "/docker.sock",
			  {{200, fixture("docker_containers_list.json")},
			   {200, fixture("docker_inspect_running.json")},
			   {404, R"({"message":"No such container: nope"})"}});
	DockerClient docker(dir.path() + "/docker.sock");
	auto list = docker.list_running();
	ASSERT_EQ(list.size(), 3u);
	EXPECT_EQ(list[1].names.at(0), "bwfx-web");
	auto web = docker.inspect("bwfx-web");
	ASSERT_TRUE(web);
	EXPECT_EQ(web->pid, 4897);
	EXPECT_FALSE(docker.inspect("nope"));
	ASSERT_EQ(daemon.requests.size(), 3u);
	EXPECT_EQ(daemon.requests[0], "GET /containers/json HTTP/1.1");
	EXPECT_EQ(daemon.requests[1], "GET /containers/bwfx-web/json HTTP/1.1");
}

TEST(DockerClient, NamesAreEscapedInTheUrl)
{
	ScratchDir dir;
	FakeDaemon daemon(dir.path() + "/docker.sock", {{404, "{}"}});
	DockerClient docker(dir.path() + "/docker.sock");
	EXPECT_FALSE(docker.inspect("../../info"));
	ASSERT_EQ(daemon.requests.size(), 1u);
	EXPECT_EQ(daemon.requests[0], "GET /containers/..%2F..%2Finfo/json HTTP/1.1");
}

TEST(DockerClient, HttpErrorsCarryTheDaemonsMessage)
{
	ScratchDir dir;
	FakeDaemon daemon(dir.path() + "/docker.sock",
			  {{500, R"({"message":"layer does not exist"})"}});
	DockerClient podman(dir.path() + "/docker.sock", "podman");
	EXPECT_EQ(error_of([&] { podman.list_running(); }),
		  "podman API /containers/json: HTTP 500: layer does not exist");
}

} // namespace
} // namespace bpfwatch

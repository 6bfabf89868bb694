// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Issue 9: a container runtime in trouble while bpfwatch follows a
// container through it. The test puts a socket of its own between
// bpfwatch and dockerd, and makes it pass requests on, hang, answer
// garbage, or vanish (refused). Counting by cgroup must go on through all
// of it, exactly; a notice says what happened; names come back when the
// runtime answers again; nothing crashes.
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <csignal>
#include <fstream>
#include <list>
#include <mutex>
#include <thread>

#include "e2e/e2e_support.h"

namespace bpfwatch::e2e {
namespace {

using namespace std::chrono_literals;

constexpr const char *kDockerSocket = "/var/run/docker.sock";

int unix_socket_at(const std::string &path, bool listen_on)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sockaddr_un addr{};
	addr.sun_family = AF_UNIX;
	std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
	int rc = listen_on ? bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr))
			   : connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr));
	if (rc != 0 || (listen_on && listen(fd, 16) != 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

// A stand-in for the runtime's socket, in front of dockerd.
class RuntimeProxy {
public:
	enum class Mode { pass, hang, garbage, gone };

	explicit RuntimeProxy(std::string path) : path_(std::move(path)) { open(); }
	~RuntimeProxy()
	{
		stop_ = true;
		close_listener();
		// Every thread ends within a poll period of stop_; an accept loop
		// may still add one, so take them one at a time.
		for (;;) {
			std::unique_lock lock(mu_);
			if (threads_.empty())
				break;
			std::thread t = std::move(threads_.front());
			threads_.pop_front();
			lock.unlock();
			t.join();
		}
	}

	void set(Mode m)
	{
		if (m == Mode::gone)
			close_listener(); // connects are refused: no such socket
		else if (mode_ == Mode::gone)
			open();
		mode_ = m;
	}
	// Connections taken in each mode since the start.
	int served(Mode m) const { return served_[static_cast<int>(m)].load(); }

private:
	void open()
	{
		unlink(path_.c_str());
		listener_ = unix_socket_at(path_, true);
		EXPECT_GE(listener_, 0) << path_;
		int fd = listener_;
		std::lock_guard lock(mu_);
		threads_.emplace_back([this, fd] { accept_loop(fd); });
	}
	void close_listener()
	{
		if (listener_ >= 0) {
			shutdown(listener_, SHUT_RDWR);
			listener_ = -1;
		}
		unlink(path_.c_str());
	}
	void accept_loop(int fd)
	{
		while (!stop_) {
			pollfd p{fd, POLLIN, 0};
			if (poll(&p, 1, 100) <= 0)
				continue;
			int c = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
			if (c < 0)
				break;
			Mode m = mode_;
			served_[static_cast<int>(m)]++;
			std::lock_guard lock(mu_);
			threads_.emplace_back([this, c, m] { serve(c, m); });
		}
		close(fd);
	}
	void serve(int c, Mode m)
	{
		if (m == Mode::pass) {
			relay(c);
		} else if (m == Mode::garbage) {
			char buf[4096];
			(void)!read(c, buf, sizeof(buf));
			std::string reply = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
					    "Content-Length: 13\r\n\r\n{\"Id\": [oops";
			(void)!write(c, reply.data(), reply.size());
			drain_until_stop(c);
		} else {
			drain_until_stop(c); // hang: read, never answer
		}
		close(c);
	}
	void drain_until_stop(int c)
	{
		char buf[4096];
		while (!stop_) {
			pollfd p{c, POLLIN, 0};
			if (poll(&p, 1, 100) > 0 && read(c, buf, sizeof(buf)) <= 0)
				return;
		}
	}
	// Both directions, until either side closes or the test ends.
	void relay(int c)
	{
		int d = unix_socket_at(kDockerSocket, false);
		if (d < 0)
			return;
		char buf[16384];
		while (!stop_) {
			pollfd p[2] = {{c, POLLIN, 0}, {d, POLLIN, 0}};
			if (poll(p, 2, 100) <= 0)
				continue;
			bool done = false;
			for (int i = 0; i < 2 && !done; i++) {
				if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
					continue;
				ssize_t n = read(p[i].fd, buf, sizeof(buf));
				done = n <= 0 || write(p[1 - i].fd, buf, n) != n;
			}
			if (done)
				break;
		}
		close(d);
	}

	std::string path_;
	std::atomic<Mode> mode_{Mode::pass};
	std::atomic<bool> stop_{false};
	int listener_ = -1;
	std::array<std::atomic<int>, 4> served_{};
	std::mutex mu_;
	std::list<std::thread> threads_;
};

TEST(RuntimeTrouble, CountingGoesOnAndNamesComeBackWhenTheRuntimeAnswers)
{
	require_docker();
	if (IsSkipped() || HasFailure())
		return;
	std::string tag = std::to_string(getpid());
	std::string dir = "/tmp/bpfwatch-trouble-" + tag, sock = dir + "/docker.sock";
	mkdir(dir.c_str(), 0755);
	RuntimeProxy proxy(sock);
	// Writes 1000 bytes at once in each life, once /trigger/go exists.
	Container c("bwtest-trouble-" + tag, "-v " + dir + ":/trigger:ro",
		    "i=0; while [ ! -e /trigger/go ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; "
		    "i=0; while [ $i -lt 50 ]; do echo 0123456789abcdefghi; i=$((i+1)); done; sleep 3600");
	auto logged = [&](std::uint64_t bytes) {
		return eventually([&] { return sh_out("docker logs " + c.name() + " 2>/dev/null | wc -c") ==
						std::to_string(bytes); },
				  20s);
	};
	auto notices = [](const Subprocess &bw, const std::string &text) {
		int n = 0;
		for (const auto &j : json_lines(bw.out(), "notice"))
			n += j["message"].get<std::string>().find(text) != std::string::npos;
		return n;
	};

	Subprocess bw({BPFWATCH_BINARY, "--container", c.name(), "--docker-socket", sock, "--interval", "0",
		       "--output", "json"});
	ASSERT_TRUE(bw.wait_for_stderr("watching", 30s)) << bw.err();
	std::ofstream(dir + "/go") << "go";
	ASSERT_TRUE(logged(1000));

	// The runtime hangs; the container restarts meanwhile.
	proxy.set(RuntimeProxy::Mode::hang);
	sh("docker restart -t 1 " + c.name() + " >/dev/null");
	ASSERT_TRUE(logged(2000)) << "the second life wrote";
	ASSERT_TRUE(eventually([&] { return notices(bw, "cannot ask the runtime") == 1; }, 30s)) << bw.out();
	// Garbage, then no socket at all: still asked, still no crash.
	proxy.set(RuntimeProxy::Mode::garbage);
	ASSERT_TRUE(eventually([&] { return proxy.served(RuntimeProxy::Mode::garbage) > 0; }, 30s));
	proxy.set(RuntimeProxy::Mode::gone);
	std::this_thread::sleep_for(2500ms); // at least one question meets no socket (asked every 1 s)
	EXPECT_EQ(notices(bw, "cannot ask the runtime"), 1) << "said once, not at every try: " << bw.out();
	// It answers again: the new life is named and caught up.
	proxy.set(RuntimeProxy::Mode::pass);
	ASSERT_TRUE(eventually([&] { return notices(bw, "the runtime answers again") == 1; }, 30s)) << bw.out();
	ASSERT_TRUE(eventually([&] { return notices(bw, "restarted") == 1; }, 30s)) << bw.out();

	bw.signal(SIGINT);
	ASSERT_EQ(bw.wait(30s), 0) << bw.err();
	auto summary = json_lines(bw.out(), "summary");
	ASSERT_EQ(summary.size(), 1u) << bw.out();
	const auto &s = summary[0];
	EXPECT_EQ(s["stdio"]["bytes"], 2000) << "counting never stopped: " << s.dump();
	EXPECT_EQ(s["log"]["bytes"], 2000) << s.dump();
	EXPECT_EQ(s["restarts"], 1) << s.dump();
	EXPECT_EQ(s["container_id"], c.id());
	EXPECT_GT(proxy.served(RuntimeProxy::Mode::hang), 0);
	EXPECT_GT(proxy.served(RuntimeProxy::Mode::garbage), 0);
	sh("rm -rf " + dir);
}

} // namespace
} // namespace bpfwatch::e2e

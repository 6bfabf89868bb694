// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The runtime's event stream: the line parser on real shapes and garbage,
// and the streaming reader against fake servers on scratch unix sockets
// (one that streams, one that answers garbage, one that refuses, none).
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "targets/runtime_events.h"
#include "test_targets_fixture.h"

namespace bpfwatch {
namespace {

using test::ScratchDir;
using namespace std::chrono_literals;

// What dockerd streams for `docker restart web` (Actor attributes cut).
constexpr const char *kDockerStart =
	R"({"status":"start","id":"3f2a1c9e0b12","from":"busybox","Type":"container","Action":"start",)"
	R"("Actor":{"ID":"3f2a1c9e0b12","Attributes":{"image":"busybox","name":"web"}},"scope":"local",)"
	R"("time":1733140000,"timeNano":1733140000123456789})";
// Podman's compatible API leaves out the old top-level fields.
constexpr const char *kPodmanDie =
	R"({"Type":"container","Action":"died","Actor":{"ID":"77aa","Attributes":{"name":"router"}},"time":1})";

TEST(RuntimeEvents, ParsesContainerEventsOfBothRuntimes)
{
	auto d = parse_container_event(kDockerStart);
	ASSERT_TRUE(d);
	EXPECT_EQ(d->action, "start");
	EXPECT_EQ(d->id, "3f2a1c9e0b12");
	EXPECT_EQ(d->name, "web");
	auto p = parse_container_event(kPodmanDie);
	ASSERT_TRUE(p);
	EXPECT_EQ(p->action, "died");
	EXPECT_EQ(p->name, "router");
	auto exec = parse_container_event(
		R"({"Type":"container","Action":"exec_start: sh -c true","Actor":{"ID":"1","Attributes":{}}})");
	ASSERT_TRUE(exec);
	EXPECT_EQ(exec->action, "exec_start");
	EXPECT_EQ(exec->name, "");
}

TEST(RuntimeEvents, AnythingElseIsNotAnEvent)
{
	EXPECT_FALSE(parse_container_event(R"({"Type":"network","Action":"connect","Actor":{"ID":"n1"}})"));
	EXPECT_FALSE(parse_container_event(R"({"Type":"container","Action":"start"})")) << "no id";
	EXPECT_FALSE(parse_container_event("not json at all"));
	EXPECT_FALSE(parse_container_event(R"({"Type":"container","Action":7,"Actor":{"ID":3}})"));
	EXPECT_FALSE(parse_container_event(""));
	EXPECT_FALSE(parse_container_event("[1,2,3]"));
}

// Accepts one connection at a time and answers with `head`, then the
// `lines` one write each (the first split in two), then holds the
// connection until stopped.
class FakeStream {
public:
	FakeStream(const std::string &path, std::string head, std::vector<std::string> lines)
		: head_(std::move(head)), lines_(std::move(lines))
	{
		fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		sockaddr_un addr{};
		addr.sun_family = AF_UNIX;
		std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
		EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)), 0);
		listen(fd_, 8);
		thread_ = std::thread([this] { serve(); });
	}
	~FakeStream()
	{
		stop_ = true;
		shutdown(fd_, SHUT_RDWR);
		thread_.join();
		close(fd_);
	}
	std::atomic<int> connections{0};

private:
	void serve()
	{
		while (!stop_) {
			int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
			if (c < 0)
				return;
			connections++;
			char buf[1024];
			(void)!read(c, buf, sizeof(buf)); // the request
			(void)!write(c, head_.data(), head_.size());
			for (std::size_t i = 0; i < lines_.size(); i++) {
				std::string l = lines_[i] + "\n";
				std::size_t half = i == 0 ? l.size() / 2 : l.size();
				(void)!write(c, l.data(), half);
				if (half < l.size()) {
					std::this_thread::sleep_for(20ms); // the reader sees half a line first
					(void)!write(c, l.data() + half, l.size() - half);
				}
			}
			while (!stop_ && read(c, buf, sizeof(buf)) > 0) {
			}
			close(c);
		}
	}

	std::string head_;
	std::vector<std::string> lines_;
	int fd_ = -1;
	std::atomic<bool> stop_{false};
	std::thread thread_;
};

constexpr const char *kStreaming = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n";

// Polls (bounded) until `n` events arrived; returns them all.
std::vector<ContainerEvent> take_n(RuntimeEvents &events, std::size_t n)
{
	std::vector<ContainerEvent> all;
	for (int i = 0; i < 100 && all.size() < n; i++) {
		for (auto &e : events.take())
			all.push_back(std::move(e));
		if (all.size() < n)
			std::this_thread::sleep_for(50ms);
	}
	return all;
}

TEST(RuntimeEvents, StreamsEventsAsTheyComeAndIgnoresGarbage)
{
	ScratchDir dir;
	std::string sock = dir.path() + "/docker.sock";
	FakeStream server(sock, kStreaming, {kDockerStart, "{\"garbage", "", "]]]", kPodmanDie});
	RuntimeEvents events(sock, "docker");
	auto got = take_n(events, 2);
	ASSERT_EQ(got.size(), 2u);
	EXPECT_EQ(got[0].name, "web");
	EXPECT_EQ(got[1].name, "router");
	EXPECT_TRUE(events.connected());
	EXPECT_EQ(events.status(), "");
	EXPECT_TRUE(events.take().empty()) << "each event once";
}

TEST(RuntimeEvents, AnErrorAnswerIsSaidAndRetried)
{
	ScratchDir dir;
	std::string sock = dir.path() + "/docker.sock";
	FakeStream server(sock, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", {});
	RuntimeEvents events(sock, "docker");
	// Bounded: the first answer, then one reconnect 2 s later.
	for (int i = 0; i < 60 && server.connections < 2; i++)
		std::this_thread::sleep_for(100ms);
	EXPECT_GE(server.connections.load(), 2) << "it tries again";
	EXPECT_FALSE(events.connected());
	EXPECT_NE(events.status().find("HTTP 404"), std::string::npos) << events.status();
}

TEST(RuntimeEvents, NoSocketIsSaid)
{
	ScratchDir dir;
	RuntimeEvents events(dir.path() + "/missing.sock", "docker");
	for (int i = 0; i < 60 && events.status() == "connecting"; i++)
		std::this_thread::sleep_for(50ms);
	EXPECT_FALSE(events.connected());
	EXPECT_NE(events.status().find(dir.path() + "/missing.sock"), std::string::npos) << events.status();
}

} // namespace
} // namespace bpfwatch

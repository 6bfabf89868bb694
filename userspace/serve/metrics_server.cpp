// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "serve/metrics_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <httplib.h>
#include <spdlog/spdlog.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

#include "util/error.h"
#include "util/fd.h"
#include "util/process_usage.h"

namespace bpfwatch {
namespace {

constexpr auto kStaleAfter = std::chrono::seconds(5);
// Scrapes are rare (every few seconds per Prometheus): two workers, and a
// slow client cannot hold one for long.
constexpr std::size_t kWorkers = 2;
constexpr auto kReadTimeout = std::chrono::seconds(5);
constexpr auto kWriteTimeout = std::chrono::seconds(10);

// Why binding failed, when httplib (which keeps errno to itself) could
// not: the same bind again, for its errno.
std::string why_not_bindable(const ListenAddress &a)
{
	bool v6 = a.host.find(':') != std::string::npos;
	sockaddr_storage ss{};
	socklen_t len;
	if (v6) {
		auto *s6 = reinterpret_cast<sockaddr_in6 *>(&ss);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(a.port);
		inet_pton(AF_INET6, a.host.c_str(), &s6->sin6_addr);
		len = sizeof(*s6);
	} else {
		auto *s4 = reinterpret_cast<sockaddr_in *>(&ss);
		s4->sin_family = AF_INET;
		s4->sin_port = htons(a.port);
		inet_pton(AF_INET, a.host.c_str(), &s4->sin_addr);
		len = sizeof(*s4);
	}
	UniqueFd fd(socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
	if (!fd)
		return std::strerror(errno);
	int yes = 1;
	setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
	if (bind(fd.get(), reinterpret_cast<sockaddr *>(&ss), len) || listen(fd.get(), 1))
		return std::strerror(errno);
	return "it was taken meanwhile";
}

// Stop signals belong to the watch loop (its poll returns at once), and a
// client that hangs up must not kill bpfwatch with SIGPIPE: this httplib
// sends without MSG_NOSIGNAL. The workers inherit the mask.
void block_signals_in_this_thread()
{
	sigset_t set;
	sigemptyset(&set);
	for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP})
		sigaddset(&set, sig);
	pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

} // namespace

bool accepts_gzip(std::string_view accept_encoding)
{
	auto trim = [](std::string_view v) {
		auto b = v.find_first_not_of(" \t");
		auto e = v.find_last_not_of(" \t");
		return b == std::string_view::npos ? std::string_view{} : v.substr(b, e - b + 1);
	};
	while (!accept_encoding.empty()) {
		auto comma = accept_encoding.find(',');
		std::string_view item = accept_encoding.substr(0, comma);
		accept_encoding = comma == std::string_view::npos ? std::string_view{} : accept_encoding.substr(comma + 1);
		auto semi = item.find(';');
		if (trim(item.substr(0, semi)) != "gzip")
			continue;
		if (semi == std::string_view::npos)
			return true;
		std::string_view param = trim(item.substr(semi + 1));
		if (param.rfind("q=", 0) != 0)
			return true;
		return std::strtod(std::string(param.substr(2)).c_str(), nullptr) > 0;
	}
	return false;
}

namespace {

// The exposition, gzip-compressed as it is rendered (a few hundred KiB for
// 1000 containers, where the text is megabytes).
std::string gzip_exposition(const MetricsSnapshot *snap, const ScrapeFacts &facts)
{
	z_stream z{};
	if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16 /* gzip header */, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		throw Error("gzip: deflateInit2 failed");
	std::string out;
	char buf[64 * 1024];
	auto feed = [&](std::string_view in, int flush) {
		z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in.data()));
		z.avail_in = static_cast<uInt>(in.size());
		do {
			z.next_out = reinterpret_cast<Bytef *>(buf);
			z.avail_out = sizeof(buf);
			deflate(&z, flush);
			out.append(buf, sizeof(buf) - z.avail_out);
		} while (z.avail_out == 0);
	};
	render_prometheus(snap, facts, [&](std::string_view piece) {
		feed(piece, Z_NO_FLUSH);
		return true;
	});
	feed({}, Z_FINISH);
	deflateEnd(&z);
	return out;
}

std::int64_t ticks(MetricsServer::Clock::time_point t)
{
	return t.time_since_epoch().count();
}

} // namespace

Health judge_health(bool attached, std::optional<std::chrono::steady_clock::time_point> last_tick,
		    std::chrono::steady_clock::time_point now, std::chrono::steady_clock::duration stale_after)
{
	if (!attached)
		return {false, "probes not attached"};
	if (!last_tick)
		return {false, "watch loop has not started"};
	if (now - *last_tick > stale_after)
		return {false, fmt::format("watch loop has not ticked for {:.1f}s",
					   std::chrono::duration<double>(now - *last_tick).count())};
	return {true, "ok"};
}

struct MetricsServer::Impl {
	ListenAddress address;
	httplib::Server http;
	std::thread thread;
	mutable std::mutex mu;
	std::shared_ptr<const MetricsSnapshot> snapshot; // under mu
	std::atomic<bool> attached{false};
	std::atomic<bool> ticked{false};
	std::atomic<std::int64_t> last_tick{0};

	void routes()
	{
		http.Get("/metrics", [this](const httplib::Request &req, httplib::Response &res) {
			std::shared_ptr<const MetricsSnapshot> snap;
			{
				std::lock_guard lock(mu);
				snap = snapshot;
			}
			ScrapeFacts facts{health_now().ok, process_cpu_seconds(), process_resident_bytes()};
			res.set_header("Vary", "Accept-Encoding");
			if (accepts_gzip(req.get_header_value("Accept-Encoding"))) {
				// Compressed here, at zlib's fastest level: httplib's
				// default level costs three times the CPU on a large
				// scrape. A response of known length is sent as it is.
				auto body = std::make_shared<std::string>(gzip_exposition(snap.get(), facts));
				res.set_header("Content-Encoding", "gzip");
				res.set_content_provider(
					body->size(), kPrometheusContentType,
					[body](std::size_t offset, std::size_t length, httplib::DataSink &sink) {
						return sink.write(body->data() + offset, length);
					});
				return;
			}
			// Plain: streamed as it is rendered, never held whole.
			res.set_chunked_content_provider(
				kPrometheusContentType, [snap, facts](std::size_t, httplib::DataSink &sink) {
					render_prometheus(snap.get(), facts, [&](std::string_view piece) {
						return sink.write(piece.data(), piece.size());
					});
					sink.done();
					return true;
				});
		});
		http.Get("/healthz", [this](const httplib::Request &, httplib::Response &res) {
			Health h = health_now();
			res.status = h.ok ? 200 : 503;
			res.set_content(h.reason + "\n", "text/plain; charset=utf-8");
		});
	}

	Health health_at(Clock::time_point now) const
	{
		std::optional<Clock::time_point> last;
		if (ticked)
			last = Clock::time_point(Clock::duration(last_tick.load()));
		return judge_health(attached, last, now, kStaleAfter);
	}
	Health health_now() const { return health_at(Clock::now()); }
};

MetricsServer::MetricsServer(const ListenAddress &address) : impl_(std::make_unique<Impl>())
{
	Impl &s = *impl_;
	s.address = address;
	// SO_REUSEADDR only: httplib's default SO_REUSEPORT would let a second
	// bpfwatch bind the same port and share the scrapes.
	s.http.set_socket_options([](socket_t sock) {
		int yes = 1;
		setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
	});
	s.http.new_task_queue = [] { return new httplib::ThreadPool(kWorkers); };
	s.http.set_read_timeout(kReadTimeout);
	s.http.set_write_timeout(kWriteTimeout);
	s.http.set_keep_alive_max_count(10);
	s.routes();
	if (!s.http.bind_to_port(address.host, address.port))
		throw Error("cannot listen on " + address.to_string() + ": " + why_not_bindable(address));
}

MetricsServer::~MetricsServer()
{
	Impl &s = *impl_;
	if (s.thread.joinable()) {
		s.http.stop();
		s.thread.join();
	}
}

void MetricsServer::start()
{
	Impl &s = *impl_;
	s.thread = std::thread([&s] {
		block_signals_in_this_thread();
		if (!s.http.listen_after_bind())
			spdlog::warn("metrics server on {} stopped", s.address.to_string());
	});
	// stop() is a no-op until the accept loop runs: wait for it (briefly)
	// so that the destructor cannot miss it.
	for (int i = 0; i < 2000 && !s.http.is_running(); i++)
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void MetricsServer::publish(std::shared_ptr<const MetricsSnapshot> snapshot)
{
	std::lock_guard lock(impl_->mu);
	impl_->snapshot = std::move(snapshot);
}

void MetricsServer::tick(Clock::time_point now)
{
	impl_->last_tick = ticks(now);
	impl_->ticked = true;
}

void MetricsServer::set_attached(bool attached)
{
	impl_->attached = attached;
}

Health MetricsServer::health(Clock::time_point now) const
{
	return impl_->health_at(now);
}

const ListenAddress &MetricsServer::address() const
{
	return impl_->address;
}

} // namespace bpfwatch

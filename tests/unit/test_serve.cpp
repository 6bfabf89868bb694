// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// --metrics [ADDR:]PORT, the health verdict, and the server itself on a
// free loopback port (no root): what a scrape and a health check get, and
// the one-line errors of a port in use and of an address not on this host.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "serve/metrics_server.h"
#include "util/error.h"
#include "util/fd.h"

namespace bpfwatch {
namespace {

using namespace std::chrono_literals;

TEST(ListenAddress, PortAloneIsLoopback)
{
	EXPECT_EQ(parse_listen_address("9477"), (ListenAddress{"127.0.0.1", 9477}));
	EXPECT_EQ(parse_listen_address("0.0.0.0:9477"), (ListenAddress{"0.0.0.0", 9477}));
	EXPECT_EQ(parse_listen_address("[::]:9090"), (ListenAddress{"::", 9090}));
	EXPECT_EQ(parse_listen_address("[::1]:1").to_string(), "[::1]:1");
	EXPECT_EQ(parse_listen_address("10.0.0.1:80").to_string(), "10.0.0.1:80");
}

TEST(ListenAddress, WhatIsWrongIsSaid)
{
	auto message = [](const char *text) {
		try {
			parse_listen_address(text);
		} catch (const Error &e) {
			return std::string(e.what());
		}
		return std::string("accepted");
	};
	EXPECT_NE(message("").find("port must be a number from 1 to 65535"), std::string::npos);
	EXPECT_NE(message("0").find("from 1 to 65535"), std::string::npos);
	EXPECT_NE(message("65536").find("from 1 to 65535"), std::string::npos);
	EXPECT_NE(message("127.0.0.1:").find("from 1 to 65535"), std::string::npos);
	EXPECT_NE(message("localhost:9477").find("'localhost' is not an IP address"), std::string::npos);
	EXPECT_NE(message("::1:9477").find("[ADDR]:PORT"), std::string::npos);
	EXPECT_NE(message("[::1]9477").find("[ADDR]:PORT"), std::string::npos);
}

TEST(Health, OkWhileAttachedAndTicking)
{
	auto t0 = std::chrono::steady_clock::time_point(100s);
	EXPECT_EQ(judge_health(false, t0, t0).reason, "probes not attached");
	EXPECT_EQ(judge_health(true, std::nullopt, t0).reason, "watch loop has not started");
	EXPECT_TRUE(judge_health(true, t0, t0 + 5s).ok);
	Health stale = judge_health(true, t0, t0 + 7200ms);
	EXPECT_FALSE(stale.ok);
	EXPECT_EQ(stale.reason, "watch loop has not ticked for 7.2s");
}

TEST(AcceptEncoding, GzipUnlessRefused)
{
	EXPECT_TRUE(accepts_gzip("gzip"));
	EXPECT_TRUE(accepts_gzip("deflate, gzip;q=0.5"));
	EXPECT_TRUE(accepts_gzip("br, gzip ; q=1"));
	EXPECT_FALSE(accepts_gzip(""));
	EXPECT_FALSE(accepts_gzip("identity"));
	EXPECT_FALSE(accepts_gzip("gzip;q=0"));
	EXPECT_FALSE(accepts_gzip("x-gzip2"));
}

std::uint16_t free_port()
{
	UniqueFd fd(socket(AF_INET, SOCK_STREAM, 0));
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd.get(), reinterpret_cast<sockaddr *>(&a), sizeof(a));
	socklen_t len = sizeof(a);
	getsockname(fd.get(), reinterpret_cast<sockaddr *>(&a), &len);
	return ntohs(a.sin_port);
}

struct Reply {
	long status = 0;
	std::string body, content_type, content_encoding;
};

Reply get(std::uint16_t port, const std::string &path, bool gzip = false)
{
	Reply r;
	std::unique_ptr<CURL, void (*)(CURL *)> curl(curl_easy_init(), curl_easy_cleanup);
	std::string url = "http://127.0.0.1:" + std::to_string(port) + path;
	curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
	if (gzip)
		curl_easy_setopt(curl.get(), CURLOPT_ACCEPT_ENCODING, "gzip");
	curl_easy_setopt(curl.get(), CURLOPT_HEADERFUNCTION, +[](char *p, size_t, size_t n, void *out) {
		std::string line(p, n);
		if (line.rfind("Content-Encoding: ", 0) == 0)
			*static_cast<std::string *>(out) = line.substr(18, line.find_last_not_of("\r\n") - 17);
		return n;
	});
	curl_easy_setopt(curl.get(), CURLOPT_HEADERDATA, &r.content_encoding);
	curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, +[](char *p, size_t, size_t n, void *out) {
		static_cast<std::string *>(out)->append(p, n);
		return n;
	});
	curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &r.body);
	if (curl_easy_perform(curl.get()) == CURLE_OK) {
		curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &r.status);
		char *type = nullptr;
		curl_easy_getinfo(curl.get(), CURLINFO_CONTENT_TYPE, &type);
		r.content_type = type ? type : "";
	}
	return r;
}

TEST(MetricsServer, ServesMetricsAndHealth)
{
	ListenAddress where{"127.0.0.1", free_port()};
	MetricsServer server(where);
	server.start();

	Reply h = get(where.port, "/healthz");
	EXPECT_EQ(h.status, 503);
	EXPECT_EQ(h.body, "probes not attached\n");
	Reply m = get(where.port, "/metrics");
	EXPECT_EQ(m.status, 200);
	EXPECT_EQ(m.content_type, "text/plain; version=0.0.4; charset=utf-8");
	EXPECT_NE(m.body.find("\nbpfwatch_up 0\n"), std::string::npos) << m.body;

	auto snap = std::make_shared<MetricsSnapshot>();
	snap->probe_build = "compat";
	snap->view.series_dropped = 7;
	server.publish(snap);
	server.tick();
	server.set_attached(true);
	h = get(where.port, "/healthz");
	EXPECT_EQ(h.status, 200);
	EXPECT_EQ(h.body, "ok\n");
	m = get(where.port, "/metrics");
	EXPECT_NE(m.body.find("\nbpfwatch_up 1\n"), std::string::npos);
	EXPECT_NE(m.body.find("\nbpfwatch_series_dropped_total 7\n"), std::string::npos);
	EXPECT_NE(m.body.find("probe_build=\"compat\""), std::string::npos);
	EXPECT_NE(m.body.find("\nbpfwatch_process_resident_memory_bytes "), std::string::npos);
	EXPECT_EQ(get(where.port, "/nothing").status, 404);
	Reply gz = get(where.port, "/metrics", true);
	EXPECT_EQ(gz.content_encoding, "gzip");
	EXPECT_EQ(gz.body.substr(0, gz.body.find("bpfwatch_process_cpu")),
		  m.body.substr(0, m.body.find("bpfwatch_process_cpu")))
		<< "the same text, decompressed by curl";

	server.tick(MetricsServer::Clock::now() - 6s);
	h = get(where.port, "/healthz");
	EXPECT_EQ(h.status, 503);
	EXPECT_EQ(h.body.rfind("watch loop has not ticked for ", 0), 0u) << h.body;
}

std::string bind_error(const ListenAddress &where)
{
	try {
		MetricsServer server(where);
	} catch (const Error &e) {
		return e.what();
	}
	return "bound";
}

TEST(MetricsServer, APortInUseIsAnErrorNamingIt)
{
	ListenAddress where{"127.0.0.1", free_port()};
	MetricsServer first(where);
	EXPECT_EQ(bind_error(where), "cannot listen on " + where.to_string() + ": Address already in use")
		<< "not shared through SO_REUSEPORT either";
}

TEST(MetricsServer, AnAddressNotOnThisHostIsAnError)
{
	// TEST-NET-3: no interface of a test machine has it.
	ListenAddress where{"203.0.113.77", 9477};
	EXPECT_EQ(bind_error(where), "cannot listen on 203.0.113.77:9477: Cannot assign requested address");
}

} // namespace
} // namespace bpfwatch

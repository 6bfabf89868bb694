// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The metrics endpoint: /metrics (Prometheus text 0.0.4) and /healthz,
// served by cpp-httplib on a thread of its own. The watch loop publishes
// a snapshot once a second and says it is alive on every turn; a scrape
// renders the snapshot it finds, so the loop never waits for a scrape
// and a scrape never waits for the loop.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "output/prometheus.h"
#include "serve/listen_address.h"

namespace bpfwatch {

struct Health {
	bool ok = false;
	std::string reason; // "ok", or why not
};

// /healthz's answer: ok while the probes are attached and the loop turned
// within stale_after.
Health judge_health(bool attached, std::optional<std::chrono::steady_clock::time_point> last_tick,
		    std::chrono::steady_clock::time_point now,
		    std::chrono::steady_clock::duration stale_after = std::chrono::seconds(5));

// Whether an Accept-Encoding header takes gzip ("gzip", not "gzip;q=0").
bool accepts_gzip(std::string_view accept_encoding);

class MetricsServer {
public:
	using Clock = std::chrono::steady_clock;

	// Binds and listens now, so that a port in use is an error before
	// anything is loaded: throws Error ("cannot listen on 127.0.0.1:9477:
	// Address already in use").
	explicit MetricsServer(const ListenAddress &address);
	~MetricsServer(); // stops serving; a scrape under way is finished first
	MetricsServer(const MetricsServer &) = delete;
	MetricsServer &operator=(const MetricsServer &) = delete;

	// Answers requests from now on (until then they wait in the backlog).
	void start();
	void publish(std::shared_ptr<const MetricsSnapshot> snapshot);
	// The loop is alive / the probes are attached (or going away).
	void tick(Clock::time_point now = Clock::now());
	void set_attached(bool attached);

	Health health(Clock::time_point now = Clock::now()) const;
	const ListenAddress &address() const;

private:
	struct Impl;
	std::unique_ptr<Impl> impl_;
};

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A remote log host made by the test: a sink namespace behind a router
// namespace, reached from the host through a veth and a gateway route, so
// the host's routing sees it as off the host (as a real log host is).
// Its two networks, a /30 host-router and a /24 router-sink, are chosen
// from ranges the host does not use (support/test_ranges.h): a fixed pick
// once shadowed this machine's own gateway. Everything is removed on
// destruction.
#pragma once

#include <memory>
#include <string>

#include "e2e/e2e_support.h"

namespace bpfwatch::e2e {

class RemoteHost {
public:
	// Builds it in the calling thread's network namespace. ok() is false,
	// with error() saying why, when no free range is left or a step fails.
	RemoteHost();
	~RemoteHost();
	RemoteHost(const RemoteHost &) = delete;
	RemoteHost &operator=(const RemoteHost &) = delete;

	bool ok() const { return ok_; }
	const std::string &error() const { return error_; }
	// The sink's address (dotted IPv4): what a log shipper connects to.
	const std::string &address() const { return address_; }

	// A sink on PORT inside the sink namespace (busybox nc's persistent
	// server): it takes connection after connection, counting each one's
	// bytes, until stop_listening() kills it; from then on connects to the
	// port are refused. Returns once it listens.
	void listen(int port);
	void stop_listening();
	// Whether anything listens on the port in the sink namespace.
	bool listening(int port);
	// The byte count of the first connection, once it closed.
	std::string received(std::chrono::milliseconds timeout);
	// Drop (or stop dropping) everything that reaches the sink's port.
	void drop(int port, bool on);

private:
	std::string exec(const std::string &ns, const std::string &cmd);

	std::string router_, sink_, host_if_, count_file_;
	std::string address_;
	bool ok_ = false;
	std::string error_;
	std::unique_ptr<Subprocess> listener_;
};

} // namespace bpfwatch::e2e

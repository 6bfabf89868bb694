// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Container events from a Docker-compatible API (Docker's socket, or
// Podman's `podman system service`): one long-lived GET /events, read by a
// thread of its own, so a runtime that is slow or hangs never holds up the
// counting. The watch loop takes what arrived since it last asked. When the
// stream breaks it reconnects every 2 s and says why it is down; following
// then falls back to asking the runtime periodically.
#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace bpfwatch {

struct ContainerEvent {
	std::string action; // "create", "start", "die", "destroy", "rename", ...
	std::string id;     // the container's full id
	std::string name;   // its name, when the event carries it
};

// One line of the /events stream; nothing for a line that is not a
// container event. Never throws: a stream of garbage is ignored line by line.
std::optional<ContainerEvent> parse_container_event(std::string_view line);

// The stream's bytes, in the chunks they arrive in, as container events:
// one per whole line (a line cut between chunks waits for its end); a line
// longer than 1 MiB is cut there rather than grown, and so is no event.
class EventStreamParser {
public:
	std::vector<ContainerEvent> feed(std::string_view data);
	void reset() { partial_line_.clear(); } // a new connection

private:
	std::string partial_line_;
};

class RuntimeEvents {
public:
	RuntimeEvents(std::string socket_path, std::string runtime);
	~RuntimeEvents(); // stops the thread: within 100 ms
	RuntimeEvents(const RuntimeEvents &) = delete;
	RuntimeEvents &operator=(const RuntimeEvents &) = delete;

	// The container events since the last call.
	std::vector<ContainerEvent> take();
	// Whether the stream is connected now; why not when it is not.
	bool connected() const { return connected_.load(); }
	std::string status() const;
	// "docker" or "podman": whose containers the stream tells about.
	const std::string &runtime() const { return runtime_; }

private:
	void run();
	void stream_once();
	void on_bytes(std::string_view data);
	void set_status(std::string s);

	std::string socket_path_, runtime_;
	std::atomic<bool> stop_{false};
	std::atomic<bool> connected_{false};
	mutable std::mutex mu_;
	std::vector<ContainerEvent> pending_;
	std::string status_;
	EventStreamParser parser_; // the stream thread's only
	std::thread thread_;
};

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/runtime_events.h"

#include <curl/curl.h>

#include <chrono>

#include <nlohmann/json.hpp>

#include "targets/curl_handle.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

using json = nlohmann::json;

// A line longer than this is not an event: drop it rather than grow.
constexpr std::size_t kMaxLine = 1u << 20;
constexpr auto kReconnect = std::chrono::seconds(2);
constexpr int kPollMs = 100;
// The API's filter, URL-encoded: {"type":["container"]}.
constexpr const char *kPath = "/events?filters=%7B%22type%22%3A%5B%22container%22%5D%7D";

std::string text_at(const json &j, const char *key)
{
	auto it = j.find(key);
	return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

} // namespace

std::optional<ContainerEvent> parse_container_event(std::string_view line)
{
	json j = json::parse(line, nullptr, false);
	if (!j.is_object() || text_at(j, "Type") != "container")
		return std::nullopt;
	ContainerEvent e;
	e.action = text_at(j, "Action");
	if (e.action.empty())
		e.action = text_at(j, "status");
	auto actor = j.find("Actor");
	if (actor != j.end() && actor->is_object()) {
		e.id = text_at(*actor, "ID");
		auto attrs = actor->find("Attributes");
		if (attrs != actor->end() && attrs->is_object())
			e.name = text_at(*attrs, "name");
	}
	if (e.id.empty())
		e.id = text_at(j, "id");
	// "exec_start: sh -c ..." and the like: the verb is the first word
	// (an action that starts with ':' or ' ' has none: no event).
	e.action = e.action.substr(0, e.action.find_first_of(": "));
	if (e.action.empty() || e.id.empty())
		return std::nullopt;
	return e;
}

RuntimeEvents::RuntimeEvents(std::string socket_path, std::string runtime)
	: socket_path_(std::move(socket_path)), runtime_(std::move(runtime)), status_("connecting"),
	  thread_([this] { run(); })
{
}

RuntimeEvents::~RuntimeEvents()
{
	stop_ = true;
	thread_.join();
}

std::vector<ContainerEvent> RuntimeEvents::take()
{
	std::lock_guard lock(mu_);
	return std::exchange(pending_, {});
}

std::string RuntimeEvents::status() const
{
	std::lock_guard lock(mu_);
	return status_;
}

void RuntimeEvents::set_status(std::string s)
{
	std::lock_guard lock(mu_);
	status_ = std::move(s);
}

void RuntimeEvents::run()
{
	while (!stop_) {
		try {
			stream_once();
		} catch (const std::exception &e) {
			set_status(e.what());
		}
		connected_ = false;
		auto until = std::chrono::steady_clock::now() + kReconnect;
		while (!stop_ && std::chrono::steady_clock::now() < until)
			std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
	}
}

std::vector<ContainerEvent> EventStreamParser::feed(std::string_view data)
{
	std::vector<ContainerEvent> got;
	for (char c : data) {
		if (c != '\n') {
			if (partial_line_.size() < kMaxLine)
				partial_line_ += c;
			continue;
		}
		if (auto e = parse_container_event(partial_line_))
			got.push_back(std::move(*e));
		partial_line_.clear();
	}
	return got;
}

void RuntimeEvents::on_bytes(std::string_view data)
{
	std::vector<ContainerEvent> got = parser_.feed(data);
	if (got.empty())
		return;
	std::lock_guard lock(mu_);
	for (auto &e : got)
		pending_.push_back(std::move(e));
}

// One connection, read until it breaks or we stop: the multi interface,
// so the stop flag is looked at every 100 ms whatever the socket does.
void RuntimeEvents::stream_once()
{
	CurlPtr curl = make_curl();
	CURL *c = curl.get();
	parser_.reset();
	std::string url = std::string("http://localhost") + kPath;
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket_path_.c_str());
	curl_easy_setopt(c, CURLOPT_URL, url.c_str());
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, this);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, +[](char *data, std::size_t size, std::size_t n, void *self) {
		static_cast<RuntimeEvents *>(self)->on_bytes(std::string_view(data, size * n));
		return size * n;
	});
	curl_easy_setopt(c, CURLOPT_HEADERDATA, this);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, +[](char *data, std::size_t size, std::size_t n, void *self) {
		// "HTTP/1.1 200 OK": the runtime answered, and will stream.
		std::string_view line(data, size * n);
		auto *events = static_cast<RuntimeEvents *>(self);
		if (line.rfind("HTTP/", 0) == 0 && line.find(" 200") != std::string_view::npos &&
		    !events->connected_.exchange(true))
			events->set_status("");
		return size * n;
	});

	std::unique_ptr<CURLM, decltype(&curl_multi_cleanup)> multi(curl_multi_init(), curl_multi_cleanup);
	if (!multi)
		throw Error("curl_multi_init failed");
	curl_multi_add_handle(multi.get(), c);
	int running = 1;
	while (!stop_ && running) {
		if (curl_multi_perform(multi.get(), &running) != CURLM_OK)
			break;
		if (running)
			curl_multi_poll(multi.get(), nullptr, 0, kPollMs, nullptr);
	}
	CURLcode rc = CURLE_OK;
	int left = 0;
	while (CURLMsg *m = curl_multi_info_read(multi.get(), &left))
		if (m->msg == CURLMSG_DONE)
			rc = m->data.result;
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(multi.get(), c);
	if (stop_)
		return;
	std::string where = runtime_ + " events on " + socket_path_;
	if (rc != CURLE_OK)
		throw Error(where + ": " + curl_easy_strerror(rc));
	if (status != 200)
		throw Error(where + ": HTTP " + std::to_string(status));
	throw Error(where + ": the stream ended");
}

} // namespace bpfwatch

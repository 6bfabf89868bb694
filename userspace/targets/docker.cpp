// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The transport half of docker.h: libcurl speaks HTTP over the unix socket.
#include "targets/docker.h"

#include <curl/curl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "targets/curl_handle.h"
#include "targets/runtime_error.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

// An answer this large is not a container list; stop before it eats memory.
constexpr std::size_t kMaxBody = 64u << 20;

std::size_t on_body(char *data, std::size_t size, std::size_t n, void *user)
{
	auto *body = static_cast<std::string *>(user);
	std::size_t len = size * n;
	if (body->size() + len > kMaxBody)
		return 0; // makes curl fail with CURLE_WRITE_ERROR
	body->append(data, len);
	return len;
}

// What to try when the runtime does not answer: it, or no runtime at all.
std::string daemon_hint(const std::string &runtime)
{
	std::string alt = " use --cgroup or --pid instead";
	if (runtime == "docker")
		return "is dockerd running?" + alt;
	if (runtime == "podman")
		return "is the podman service running (podman system service)?" + alt;
	return "is " + runtime + " running?" + alt;
}

std::string escape_segment(CURL *curl, const std::string &s)
{
	std::unique_ptr<char, decltype(&curl_free)> e(
		curl_easy_escape(curl, s.c_str(), static_cast<int>(s.size())), curl_free);
	if (!e)
		throw Error("out of memory escaping '" + s + "'");
	return e.get();
}

} // namespace

DockerClient::DockerClient(std::string socket_path, std::string runtime, DockerTimeouts timeouts)
	: socket_path_(std::move(socket_path)), runtime_(std::move(runtime)), timeouts_(timeouts)
{
}

DockerClient::Response DockerClient::get(const std::string &path)
{
	// Checked first so the common case (no daemon on this host) gets a
	// message that says so instead of a generic connect error.
	struct stat st {};
	if (stat(socket_path_.c_str(), &st) != 0) {
		if (errno == ENOENT)
			throw RuntimeError(RuntimeFailure::missing, runtime_ + " socket " + socket_path_ +
									    " not found; " + daemon_hint(runtime_));
		throw RuntimeError(errno == EACCES ? RuntimeFailure::permission : RuntimeFailure::missing,
				   errno_message(runtime_ + " socket " + socket_path_, errno));
	}
	if (!S_ISSOCK(st.st_mode))
		throw RuntimeError(RuntimeFailure::refused,
				   runtime_ + " socket " + socket_path_ + " is not a unix socket");

	CurlPtr curl = make_curl();
	Response resp;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *c = curl.get();
	// The host part is ignored on a unix socket, but HTTP needs one.
	std::string url = "http://localhost" + path;
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket_path_.c_str());
	curl_easy_setopt(c, CURLOPT_URL, url.c_str());
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeouts_.connect.count()));
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeouts_.total.count()));
	// No SIGALRM-based timeouts: the tool is multithreaded.
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp.body);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);

	CURLcode rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		std::string where = runtime_ + " API " + path + " on " + socket_path_;
		long os_errno = 0;
		curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
		if (rc == CURLE_OPERATION_TIMEDOUT)
			throw RuntimeError(RuntimeFailure::timeout, where + ": no answer within " +
				    std::to_string(timeouts_.total.count()) + " ms; " +
				    daemon_hint(runtime_));
		if (rc == CURLE_COULDNT_CONNECT && os_errno == EACCES)
			throw RuntimeError(RuntimeFailure::permission,
					   where + ": permission denied (needs root or the " + runtime_ +
						   " group)");
		if (rc == CURLE_COULDNT_CONNECT && os_errno != 0)
			throw RuntimeError(RuntimeFailure::refused,
					   errno_message(where + ": cannot connect", static_cast<int>(os_errno)) +
						   "; " + daemon_hint(runtime_));
		if (rc == CURLE_WRITE_ERROR)
			throw RuntimeError(RuntimeFailure::malformed, where + ": answer larger than " +
									      std::to_string(kMaxBody >> 20) + " MiB");
		// A peer that closes without an HTTP answer is not the API.
		RuntimeFailure kind = rc == CURLE_GOT_NOTHING || rc == CURLE_WEIRD_SERVER_REPLY ||
					      rc == CURLE_UNSUPPORTED_PROTOCOL
					      ? RuntimeFailure::malformed
					      : RuntimeFailure::failed;
		throw RuntimeError(kind, where + ": " + (errbuf[0] ? errbuf : curl_easy_strerror(rc)));
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
	return resp;
}

std::vector<ContainerSummary> DockerClient::list_running()
{
	// Without ?all=1 the API lists running containers only.
	Response r = get("/containers/json");
	if (r.status != 200)
		throw RuntimeError(RuntimeFailure::failed, runtime_ + " API /containers/json: HTTP " +
								   std::to_string(r.status) + ": " +
								   parse_api_error(r.body));
	auto list = parse_container_list(r.body);
	for (auto &c : list)
		c.runtime = runtime_;
	return list;
}

std::optional<ContainerDetails> DockerClient::inspect(const std::string &id_or_name)
{
	CurlPtr curl = make_curl();
	std::string path = "/containers/" + escape_segment(curl.get(), id_or_name) + "/json";
	Response r = get(path);
	if (r.status == 404)
		return std::nullopt;
	if (r.status != 200)
		throw RuntimeError(RuntimeFailure::failed, runtime_ + " API " + path + ": HTTP " +
								   std::to_string(r.status) + ": " +
								   parse_api_error(r.body));
	return parse_container_inspect(r.body);
}

} // namespace bpfwatch

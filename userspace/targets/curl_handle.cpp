// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "targets/curl_handle.h"

#include <mutex>

#include "util/error.h"

namespace bpfwatch {

CurlPtr make_curl()
{
	// curl_global_init is not safe to race with other threads' curl use.
	static std::once_flag once;
	std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
	CurlPtr curl(curl_easy_init(), curl_easy_cleanup);
	if (!curl)
		throw Error("curl_easy_init failed");
	return curl;
}

} // namespace bpfwatch

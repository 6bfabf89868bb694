// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// One libcurl easy handle, owned; curl's global state set up once.
#pragma once

#include <curl/curl.h>

#include <memory>

namespace bpfwatch {

using CurlPtr = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;

// Throws Error when curl cannot make one.
CurlPtr make_curl();

} // namespace bpfwatch

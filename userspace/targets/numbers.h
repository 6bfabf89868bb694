// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The numbers a runtime hands over (pids, restart counts), range-checked.
// A pid read with a plain conversion wraps: "4294967297" as a pid_t is 1,
// and nlohmann's get<int>() of 6e44 is undefined behaviour (both found by
// tests/fuzz). A number that does not fit is malformed, never some other
// process.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "targets/runtime_error.h"

namespace bpfwatch {

// Decimal digits only (a trailing newline allowed, as in a pid file), from
// 0 to the largest pid_t; nullopt for anything else.
std::optional<pid_t> parse_pid(std::string_view text);

// j[key] as a whole number from 0 to T's largest: `fallback` when absent
// or null (Docker's empty fields). Throws RuntimeError(malformed), naming
// `what` and the key, for anything else: a string, a fraction, a negative,
// too large.
template <typename T>
T natural_or(const nlohmann::json &j, const char *key, T fallback, std::string_view what)
{
	auto it = j.find(key);
	if (it == j.end() || it->is_null())
		return fallback;
	if (it->is_number_unsigned() && std::in_range<T>(it->template get<std::uint64_t>()))
		return static_cast<T>(it->template get<std::uint64_t>());
	if (it->is_number_integer() && it->template get<std::int64_t>() >= 0 &&
	    std::in_range<T>(it->template get<std::int64_t>()))
		return static_cast<T>(it->template get<std::int64_t>());
	throw RuntimeError(RuntimeFailure::malformed, std::string(what) + ": \"" + key +
							      "\" is not a whole number from 0 to " +
							      std::to_string(std::numeric_limits<T>::max()) + ": " +
							      it->dump().substr(0, 40));
}

} // namespace bpfwatch

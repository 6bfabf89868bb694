// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// What every fuzz target shares: the input as text, and the parsers'
// contract. A parser of outside input rejects what it cannot read by
// throwing Error (one line that main prints); anything else it throws
// (a std::out_of_range, a JSON type error) escapes here, and libFuzzer
// reports it as a crash, as it does every sanitizer finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "util/error.h"

namespace bpfwatch::fuzz {

inline std::string_view text_of(const std::uint8_t *data, std::size_t size)
{
	return {reinterpret_cast<const char *>(data), size};
}

// Runs @parse; an Error is a rejection, not a finding.
template <typename F>
void rejecting(F &&parse)
{
	try {
		parse();
	} catch (const Error &) {
	}
}

// A property every parse must keep; broken, it is a finding like a crash.
inline void require(bool holds, const char *property)
{
	if (!holds) {
		std::fprintf(stderr, "fuzz: property broken: %s\n", property);
		std::abort();
	}
}

} // namespace bpfwatch::fuzz

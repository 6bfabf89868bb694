// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Column arithmetic for terminal text. Names from the system are made
// printable ASCII first; the only multi-byte characters we print are our own
// punctuation ("…", "—"), so one UTF-8 code point counts as one column.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace bpfwatch {

// Code points in s (continuation bytes do not count).
std::size_t display_width(std::string_view s);

// Bytes >= 0x80 and control characters become '?': a comm or a cgroup name
// is arbitrary bytes, and must neither break JSON nor drive the terminal.
std::string printable(std::string_view s);

// At most `width` columns, ending in "…" when cut: "very-long-contai…".
std::string truncate_end(std::string_view s, std::size_t width);
// The same, cutting the front instead: "…/docker-3f2a1c.scope".
std::string truncate_start(std::string_view s, std::size_t width);
// A target name in `width` columns: paths (an unnamed cgroup) keep their
// tail, where the distinguishing part is; names keep their head.
std::string fit_name(std::string_view name, std::size_t width);

// s padded with spaces to `width` columns (never cut).
std::string pad_right(std::string_view s, std::size_t width);

// Items joined by `sep` in lines of at most `width` columns; the first line
// starts with `first`, the others with `rest`. Lines break only between
// items (an item longer than a line overflows it), and `sep` loses its
// trailing spaces at a break.
std::vector<std::string> wrap_items(const std::vector<std::string> &items, std::string_view sep,
				    std::size_t width, std::string_view first, std::string_view rest);
// wrap_items over the space-separated words of `text`.
std::vector<std::string> wrap(std::string_view text, std::size_t width, std::string_view first,
			      std::string_view rest);

} // namespace bpfwatch

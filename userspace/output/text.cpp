// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "output/text.h"

#include <algorithm>

namespace bpfwatch {
namespace {

constexpr std::string_view kEllipsis = "…";

bool is_continuation(char c)
{
	return (static_cast<unsigned char>(c) & 0xc0) == 0x80;
}

// Byte offset just past the first `n` code points of s.
std::size_t prefix_bytes(std::string_view s, std::size_t n)
{
	std::size_t i = 0;
	for (std::size_t seen = 0; i < s.size(); i++) {
		if (!is_continuation(s[i]) && seen++ == n)
			break;
	}
	return i;
}

} // namespace

std::size_t display_width(std::string_view s)
{
	std::size_t n = 0;
	for (char c : s)
		n += !is_continuation(c);
	return n;
}

std::string printable(std::string_view s)
{
	std::string out(s);
	for (char &c : out) {
		auto u = static_cast<unsigned char>(c);
		if (u < 0x20 || u >= 0x7f)
			c = '?';
	}
	return out;
}

std::string truncate_end(std::string_view s, std::size_t width)
{
	std::size_t w = display_width(s);
	if (w <= width)
		return std::string(s);
	if (width == 0)
		return "";
	return std::string(s.substr(0, prefix_bytes(s, width - 1))) + std::string(kEllipsis);
}

std::string truncate_start(std::string_view s, std::size_t width)
{
	std::size_t w = display_width(s);
	if (w <= width)
		return std::string(s);
	if (width == 0)
		return "";
	// Keep the last width-1 code points.
	return std::string(kEllipsis) + std::string(s.substr(prefix_bytes(s, w - (width - 1))));
}

std::string fit_name(std::string_view name, std::size_t width)
{
	return name.starts_with('/') ? truncate_start(name, width) : truncate_end(name, width);
}

std::string pad_right(std::string_view s, std::size_t width)
{
	std::string out(s);
	std::size_t w = display_width(s);
	if (w < width)
		out.append(width - w, ' ');
	return out;
}

std::vector<std::string> wrap_items(const std::vector<std::string> &items, std::string_view sep,
				    std::size_t width, std::string_view first, std::string_view rest)
{
	std::string_view sep_at_break = sep.substr(0, sep.find_last_not_of(' ') + 1);
	std::vector<std::string> lines;
	std::string line(first);
	std::size_t col = display_width(first);
	bool empty = true; // no item on `line` yet
	for (const std::string &item : items) {
		std::size_t w = display_width(item);
		if (!empty && col + display_width(sep) + w > width) {
			line += sep_at_break;
			lines.push_back(std::move(line));
			line = std::string(rest);
			col = display_width(rest);
			empty = true;
		}
		if (!empty) {
			line += sep;
			col += display_width(sep);
		}
		line += item;
		col += w;
		empty = false;
	}
	lines.push_back(std::move(line));
	return lines;
}

std::vector<std::string> wrap(std::string_view text, std::size_t width, std::string_view first,
			      std::string_view rest)
{
	std::vector<std::string> words;
	std::size_t pos = 0;
	while ((pos = text.find_first_not_of(' ', pos)) != std::string_view::npos) {
		std::size_t end = std::min(text.find(' ', pos), text.size());
		words.emplace_back(text.substr(pos, end - pos));
		pos = end;
	}
	return wrap_items(words, " ", width, first, rest);
}

} // namespace bpfwatch

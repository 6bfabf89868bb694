// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The screen the live view draws on: an ncurses screen (newterm, so the
// terminal is named rather than assumed), keys read without waiting, and
// stderr held back while the screen is up, so a log line cannot tear it;
// what was held is printed once the normal screen is back.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "util/fd.h"

struct screen; // ncurses' SCREEN

namespace bpfwatch {

// Whether this process's stdout is a terminal ncurses knows; if not, why.
bool terminal_usable(std::string &why);

class Terminal {
public:
	enum class Style { normal, title, selected, alert, dim };
	// What key() returns beyond plain characters.
	enum Key : int {
		kNoKey = -1,
		kUp = 0x110000, // past every Unicode code point
		kDown,
		kLeft,
		kRight,
		kPageUp,
		kPageDown,
		kHome,
		kEnd,
		kEnter,
		kEscape,
		kBackspace,
		kResize, // the terminal changed size: draw again
		kOther,  // a function key nobody asked for
	};

	// Draws on `out` (stdout when null) as terminal `type` ($TERM when
	// null), reads keys from `in` (stdin when null). Throws Error when
	// ncurses cannot use it.
	Terminal(std::FILE *out = nullptr, std::FILE *in = nullptr, const char *type = nullptr);
	~Terminal();
	Terminal(const Terminal &) = delete;
	Terminal &operator=(const Terminal &) = delete;

	int rows() const;
	int cols() const;
	// The locale's characters are UTF-8: block characters and "…" can be
	// drawn; otherwise every line is turned to ASCII first.
	bool utf8() const { return utf8_; }

	// A key typed: a character or a Key; kNoKey when none is waiting.
	int key();
	// Starts a frame: everything erased.
	void erase();
	// Text (one line, no control characters) at row y, column x, cut at
	// the right edge; the rest of the row is left as it is.
	void put(int y, int x, std::string_view text, Style style = Style::normal);
	// A whole row in `style`, padded to the width (the header bar).
	void bar(int y, std::string_view text, Style style);
	// Sends what changed since the last frame.
	void show();

private:
	void hold_stderr();
	void release_stderr();

	screen *screen_ = nullptr;
	bool utf8_ = false;
	bool colors_ = false;
	UniqueFd held_, saved_stderr_;
};

} // namespace bpfwatch

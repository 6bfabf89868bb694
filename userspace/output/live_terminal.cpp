// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "output/live_terminal.h"

#include <fcntl.h>
#include <langinfo.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <clocale>
#include <cstdio>
#include <cstdlib>

// Functions, not macros: erase(), timeout() and friends would otherwise
// rewrite every C++ name that shares them.
#define NCURSES_NOMACROS
#include <curses.h>
#include <term.h>

#include "output/text.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

constexpr short kAlertPair = 1;

// Our own punctuation in ASCII; any other byte past 0x7f is a '?'.
// Names are made printable ASCII before they get here (output/text.h).
std::string ascii_only(std::string_view s)
{
	std::string out;
	for (std::size_t i = 0; i < s.size(); i++) {
		auto u = static_cast<unsigned char>(s[i]);
		if (u < 0x80) {
			out += s[i];
			continue;
		}
		if (s.substr(i, 3) == "…")
			out += '~';
		else if (s.substr(i, 3) == "—")
			out += '-';
		else
			out += '?';
		while (i + 1 < s.size() && (static_cast<unsigned char>(s[i + 1]) & 0xc0) == 0x80)
			i++;
	}
	return out;
}

attr_t attr_of(Terminal::Style style, bool colors)
{
	switch (style) {
	case Terminal::Style::title:
		return A_REVERSE | A_BOLD;
	case Terminal::Style::selected:
		return A_REVERSE;
	case Terminal::Style::alert:
		return colors ? (COLOR_PAIR(kAlertPair) | A_BOLD) : (A_BOLD | A_UNDERLINE);
	case Terminal::Style::dim:
		return A_DIM;
	case Terminal::Style::normal:
		break;
	}
	return A_NORMAL;
}

// The first `n` code points of s.
std::string cut(std::string_view s, std::size_t n)
{
	return display_width(s) <= n ? std::string(s) : truncate_end(s, n);
}

} // namespace

bool terminal_usable(std::string &why)
{
	if (!isatty(STDOUT_FILENO)) {
		why = "stdout is not a terminal";
		return false;
	}
	const char *type = std::getenv("TERM");
	if (!type || !*type) {
		why = "TERM is not set";
		return false;
	}
	int err = 0;
	if (setupterm(nullptr, STDOUT_FILENO, &err) != OK) {
		why = err == 0 ? "terminal type '" + std::string(type) + "' is not in the terminfo database"
			       : "no terminfo database";
		return false;
	}
	const char *cup = tigetstr(const_cast<char *>("cup"));
	bool moves = cup && cup != reinterpret_cast<char *>(-1);
	del_curterm(cur_term);
	if (!moves) {
		why = "terminal type '" + std::string(type) + "' cannot move the cursor";
		return false;
	}
	return true;
}

Terminal::Terminal(std::FILE *out, std::FILE *in, const char *type)
{
	// The character set only: numbers keep their C formatting.
	std::setlocale(LC_CTYPE, "");
	utf8_ = std::string_view(nl_langinfo(CODESET)) == "UTF-8";
	screen_ = newterm(type, out ? out : stdout, in ? in : stdin);
	if (!screen_)
		throw Error(std::string("cannot draw on terminal '") + (type ? type : std::getenv("TERM") ? std::getenv("TERM") : "") +
			    "'");
	set_term(screen_);
	cbreak(); // Ctrl-C still stops bpfwatch, with its summary
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	if (has_colors() && start_color() == OK) {
		use_default_colors();
		colors_ = init_pair(kAlertPair, COLOR_RED, -1) == OK;
	}
	// Only when drawing on this process's own terminal is stderr on it.
	if (!out && isatty(STDERR_FILENO))
		hold_stderr();
}

Terminal::~Terminal()
{
	endwin();
	delscreen(screen_);
	release_stderr();
}

int Terminal::rows() const
{
	return getmaxy(stdscr);
}

int Terminal::cols() const
{
	return getmaxx(stdscr);
}

int Terminal::key()
{
	int k = wgetch(stdscr);
	switch (k) {
	case ERR:
		return kNoKey;
	case KEY_UP:
		return kUp;
	case KEY_DOWN:
		return kDown;
	case KEY_LEFT:
		return kLeft;
	case KEY_RIGHT:
		return kRight;
	case KEY_PPAGE:
		return kPageUp;
	case KEY_NPAGE:
		return kPageDown;
	case KEY_HOME:
		return kHome;
	case KEY_END:
		return kEnd;
	case KEY_ENTER:
	case '\n':
	case '\r':
		return kEnter;
	case 27:
		return kEscape;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		return kBackspace;
	case KEY_RESIZE:
		return kResize;
	default:
		return k >= KEY_MIN ? kOther : k;
	}
}

void Terminal::erase()
{
	werase(stdscr);
}

void Terminal::put(int y, int x, std::string_view text, Style style)
{
	int rows = this->rows(), cols = this->cols();
	if (y < 0 || y >= rows || x < 0 || x >= cols)
		return;
	// Never the bottom-right cell: writing it scrolls some terminals.
	std::size_t room = static_cast<std::size_t>(cols - x - (y == rows - 1 ? 1 : 0));
	std::string line = cut(utf8_ ? std::string(text) : ascii_only(text), room);
	attr_t a = attr_of(style, colors_);
	wattr_on(stdscr, a, nullptr);
	mvwaddstr(stdscr, y, x, line.c_str());
	wattr_off(stdscr, a, nullptr);
}

void Terminal::bar(int y, std::string_view text, Style style)
{
	std::string line(text);
	auto width = static_cast<std::size_t>(cols());
	if (display_width(line) < width)
		line.append(width - display_width(line), ' ');
	put(y, 0, line, style);
}

void Terminal::show()
{
	wnoutrefresh(stdscr);
	doupdate();
}

// What stderr gets while the screen is up is kept, up to this much: a
// runtime that fails every second for a week must not grow bpfwatch.
constexpr off_t kHeldStderrBytes = 1 << 20;

void Terminal::hold_stderr()
{
	std::fflush(stderr);
	// A sealed, fixed-size file: writes past its end fail (EPERM) instead of
	// growing it.
	UniqueFd held(memfd_create("bpfwatch-stderr", MFD_CLOEXEC | MFD_ALLOW_SEALING));
	UniqueFd saved(fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0));
	if (!held || !saved || ftruncate(held.get(), kHeldStderrBytes) < 0 ||
	    fcntl(held.get(), F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK) < 0 || dup2(held.get(), STDERR_FILENO) < 0)
		return; // then a message may tear the screen, nothing worse
	held_ = std::move(held);
	saved_stderr_ = std::move(saved);
}

void Terminal::release_stderr()
{
	if (!saved_stderr_)
		return;
	std::fflush(stderr);
	// The held file shares its offset with the stderr it stood in for: the
	// offset is how much was written.
	off_t written = lseek(held_.get(), 0, SEEK_CUR);
	dup2(saved_stderr_.get(), STDERR_FILENO);
	char buf[4096];
	for (off_t at = 0; at < written;) {
		ssize_t n = pread(held_.get(), buf, std::min<off_t>(sizeof(buf), written - at), at);
		if (n <= 0 || write(STDERR_FILENO, buf, static_cast<std::size_t>(n)) < 0)
			break;
		at += n;
	}
	if (written >= kHeldStderrBytes)
		std::fprintf(stderr, "bpfwatch: messages after the first %lld bytes were dropped while the live view was up\n",
			     static_cast<long long>(kHeldStderrBytes));
	held_.reset();
	saved_stderr_.reset();
}

} // namespace bpfwatch

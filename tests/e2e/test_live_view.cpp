// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The live view in a real terminal: tmux runs build/bpfwatch with no
// --output on its pane (a terminal), send-keys types at it, capture-pane
// reads the screen. Two containers write at different rates, one of them
// also sends to a sink on the Docker bridge. Every wait polls the screen.
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "e2e/e2e_support.h"
#include "e2e/toolbox_support.h"
#include "support/skip.h"

namespace bpfwatch::e2e {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> lines_of(const std::string &text)
{
	std::vector<std::string> out;
	std::istringstream in(text);
	for (std::string l; std::getline(in, l);)
		out.push_back(l);
	return out;
}

// Columns of a screen line: its UTF-8 code points.
std::size_t columns(const std::string &line)
{
	return static_cast<std::size_t>(std::count_if(line.begin(), line.end(), [](char c) {
		return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
	}));
}

class LiveViewTerminal : public ::testing::Test {
protected:
	void SetUp() override
	{
		require_docker();
		if (IsSkipped() || HasFailure())
			return;
		if (sh("command -v tmux >/dev/null").status != 0)
			BW_SKIP_OR_FAIL("tmux missing (scripts/install-deps --test)");
		if (IsSkipped() || HasFailure())
			return;
		tag_ = std::to_string(getpid());
		sink_ = std::make_unique<Container>("bwlive-sink-" + tag_, "", "sleep 3600 | nc -l -p 5514 >/dev/null");
		sink_ip_ = sink_->ip();
		ASSERT_FALSE(sink_ip_.empty());
		// Test traffic stays on this host: the sink sits behind docker0.
		ASSERT_NE(sh_out("ip route get " + sink_ip_).find("dev docker0"), std::string::npos);
		// Bounded: at most 2400 lines in two minutes each, then idle.
		// "a-slow" sorts first by name, "b-fast" first by rate.
		fast_ = std::make_unique<Container>(
			"bwlive-b-fast-" + tag_, "",
			"i=0; while [ $i -lt 2400 ]; do echo \"fast line $i, padded to be a longer log line\"; "
			"echo \"fast line $i, to the log\" >&2; i=$((i+1)); sleep 0.05; done | nc " +
				sink_ip_ + " 5514; sleep 3600");
		slow_ = std::make_unique<Container>(
			"bwlive-a-slow-" + tag_, "",
			"i=0; while [ $i -lt 240 ]; do echo \"slow $i\"; i=$((i+1)); sleep 0.5; done; sleep 3600");
		tmux_ = "tmux -L bwlive-" + tag_ + " ";
		// The pane stays readable after bpfwatch exits (remain-on-exit).
		ASSERT_EQ(sh(tmux_ + "-f /dev/null new-session -d -s live -x 80 -y 24").status, 0);
		sh(tmux_ + "set-option -g remain-on-exit on");
	}

	void TearDown() override
	{
		if (!tmux_.empty())
			sh(tmux_ + "kill-server 2>/dev/null");
		if (!script_.empty())
			unlink(script_.c_str());
		fast_.reset();
		slow_.reset();
		sink_.reset();
	}

	void start(const std::string &args, const std::string &lang = "C.UTF-8")
	{
		run_in_pane("env LANG=" + lang + " LC_ALL= " + std::string(BPFWATCH_BINARY) + " " + args);
	}

	// Runs `command` on the pane from a script file (no quoting layers),
	// then prints its status.
	void run_in_pane(const std::string &command)
	{
		script_ = "/tmp/bwlive-" + tag_ + ".sh";
		{
			std::ofstream f(script_);
			f << command << "\necho status=$?\n";
		}
		ASSERT_EQ(sh(tmux_ + "respawn-pane -k -t live 'sh " + script_ + "'").status, 0);
	}

	std::string screen() { return sh(tmux_ + "capture-pane -p -t live").out; }
	// The normal screen with what scrolled off it (the live view, on the
	// alternate screen, leaves nothing there).
	std::string history() { return sh(tmux_ + "capture-pane -p -S - -t live").out; }
	void keys(const std::string &k) { sh(tmux_ + "send-keys -t live " + k); }

	// Polls the screen until `ok` holds; the last screen stays in screen_.
	bool until(const std::function<bool(const std::string &)> &ok, std::chrono::milliseconds timeout = 20s)
	{
		return eventually([&] { return ok(screen_ = screen()); }, timeout);
	}

	// A row's line: it starts with the name, cut to 12 columns (the
	// narrowest name column); "" when not on screen.
	static std::string row_of(const std::string &screen, const std::string &name)
	{
		std::size_t i = row_index(screen, name);
		return i == std::string::npos ? "" : lines_of(screen)[i];
	}

	static std::size_t row_index(const std::string &screen, const std::string &name)
	{
		auto lines = lines_of(screen);
		for (std::size_t i = 0; i < lines.size(); i++)
			if (lines[i].starts_with(name.substr(0, 12)))
				return i;
		return std::string::npos;
	}

	// A row's value in the column titled `title` (right-aligned under it).
	static std::string cell(const std::string &screen, const std::string &name, const std::string &title)
	{
		std::string header, row = row_of(screen, name);
		for (const std::string &l : lines_of(screen))
			if (l.starts_with("NAME"))
				header = l;
		std::size_t at = header.find(title);
		if (at == std::string::npos || row.empty())
			return "";
		std::size_t end = at + title.size();
		std::size_t begin = header.rfind(' ', at) == std::string::npos ? 0 : header.rfind(' ', at);
		if (row.size() < end)
			return "";
		std::string v = row.substr(begin, end - begin);
		v.erase(0, v.find_first_not_of(' '));
		return v;
	}

	std::string tag_, sink_ip_, tmux_, screen_, script_;
	std::unique_ptr<Container> sink_, fast_, slow_;
};

TEST_F(LiveViewTerminal, RowsSortDetailsFilterResizeAndQuit)
{
	const std::string fast = fast_->name(), slow = slow_->name();
	start("--container " + fast + " --container " + slow);

	// Rows with their names, and rates once a second has passed.
	ASSERT_TRUE(until([&](const std::string &s) {
		std::string log = cell(s, fast, "LOG/s"), sock = cell(s, fast, "SOCK/s");
		return !log.empty() && log != "-" && log != "0" && !sock.empty() && sock != "-" && sock != "0" &&
		       !row_of(s, slow).empty();
	})) << screen_;
	EXPECT_NE(screen_.find("sort: LOG/s"), std::string::npos) << screen_;
	EXPECT_NE(cell(screen_, slow, "LOG/s"), "-") << screen_;

	// Sorted by LOG/s the fast writer is on top; by NAME the slow one.
	ASSERT_TRUE(until([&](const std::string &s) { return row_index(s, fast) < row_index(s, slow); })) << screen_;
	keys("'<'");
	ASSERT_TRUE(until([&](const std::string &s) {
		return s.find("sort: NAME") != std::string::npos && row_index(s, slow) < row_index(s, fast);
	})) << screen_;
	keys("s"); // the next column again
	ASSERT_TRUE(until([&](const std::string &s) {
		return s.find("sort: LOG/s") != std::string::npos && row_index(s, fast) < row_index(s, slow);
	})) << screen_;

	// The top row's details: its destination, the size histograms.
	keys("g");
	keys("Enter");
	ASSERT_TRUE(until([&](const std::string &s) {
		return s.find("details: " + fast) != std::string::npos &&
		       s.find("tcp " + sink_ip_ + ":5514") != std::string::npos;
	})) << screen_;
	keys("Escape");
	ASSERT_TRUE(until([&](const std::string &s) { return s.find("LAST SEND") != std::string::npos; }))
		<< screen_;

	// The filter hides the other.
	keys("/");
	keys("-l slow");
	keys("Enter");
	ASSERT_TRUE(until([&](const std::string &s) {
		return s.find("filter: slow") != std::string::npos && !row_of(s, slow).empty() &&
		       row_of(s, fast).empty();
	})) << screen_;
	keys("Escape");
	ASSERT_TRUE(until([&](const std::string &s) { return !row_of(s, fast).empty(); })) << screen_;

	// Wider: more columns; back to 80x24: they go, every line fits.
	sh(tmux_ + "resize-window -t live -x 120 -y 30");
	ASSERT_TRUE(until([&](const std::string &s) {
		return s.find("RUNTIME") != std::string::npos && s.find("OUT/s") != std::string::npos;
	})) << screen_;
	EXPECT_EQ(cell(screen_, fast, "RUNTIME").find("docker"), 0u) << screen_;
	sh(tmux_ + "resize-window -t live -x 80 -y 24");
	ASSERT_TRUE(until([&](const std::string &s) {
		return s.find("RUNTIME") == std::string::npos && s.find("LAST SEND") != std::string::npos;
	})) << screen_;
	for (const std::string &l : lines_of(screen_))
		EXPECT_LE(columns(l), 80u) << l;
	EXPECT_LE(lines_of(screen_).size(), 24u);

	// q: the normal screen again, the table's summary, status 0.
	keys("q");
	ASSERT_TRUE(until([&](const std::string &s) { return s.find("status=") != std::string::npos; }, 30s))
		<< screen_;
	std::string all = history();
	EXPECT_NE(all.find("status=0"), std::string::npos) << all;
	EXPECT_NE(all.find("=== summary after"), std::string::npos) << all;
	EXPECT_NE(all.find(fast + "  docker"), std::string::npos) << all;
	EXPECT_NE(all.find(slow + "  docker"), std::string::npos) << all;
	EXPECT_EQ(all.find("LAST SEND"), std::string::npos) << "the live screen is gone: " << all;
}

TEST_F(LiveViewTerminal, AsciiWithoutAUtf8LocaleAndTheTableWhenAsked)
{
	const std::string fast = fast_->name();
	start("--container " + fast, "C");
	ASSERT_TRUE(until([&](const std::string &s) {
		std::string log = cell(s, fast, "LOG/s");
		return !log.empty() && log != "-" && log != "0";
	})) << screen_;
	for (unsigned char c : screen_)
		EXPECT_LT(c, 0x80) << "a non-UTF-8 terminal gets ASCII only:\n" << screen_;
	keys("q");
	ASSERT_TRUE(until([&](const std::string &s) { return s.find("status=0") != std::string::npos; }, 30s))
		<< screen_;

	// --output table on a terminal: blocks of text, no screen.
	start("--container " + fast + " --output table --interval 1s --duration 3s");
	ASSERT_TRUE(until([&](const std::string &s) { return s.find("status=") != std::string::npos; }, 30s))
		<< screen_;
	std::string all = history();
	EXPECT_NE(all.find("status=0"), std::string::npos) << all;
	EXPECT_NE(all.find("interval 1."), std::string::npos) << all;
	EXPECT_EQ(all.find("LAST SEND"), std::string::npos) << all;
}

// The toolbox image carries terminfo: on a terminal, scripts/toolbox gives
// the container a tty and TERM, and the live view draws there too.
TEST_F(LiveViewTerminal, TheToolboxImageDrawsItToo)
{
	Engine docker = docker_engine();
	require_toolbox(docker);
	if (IsSkipped() || HasFailure())
		return;
	std::string command = "TERM=tmux-256color";
	for (const std::string &a : toolbox_argv(docker, {"bpfwatch", "--container", fast_->name()}))
		command += " '" + a + "'";
	run_in_pane(command);
	ASSERT_TRUE(until([&](const std::string &s) {
		std::string log = cell(s, fast_->name(), "LOG/s");
		return s.find("LAST SEND") != std::string::npos && !log.empty() && log != "-" && log != "0";
	})) << screen_;
	keys("q");
	ASSERT_TRUE(until([&](const std::string &s) { return s.find("status=") != std::string::npos; }, 30s))
		<< screen_;
	std::string all = history();
	EXPECT_NE(all.find("status=0"), std::string::npos) << all;
	EXPECT_NE(all.find("=== summary after"), std::string::npos) << all;
}

} // namespace
} // namespace bpfwatch::e2e

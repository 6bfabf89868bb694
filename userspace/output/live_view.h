// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The live view: a full-screen table like top's, one row per container,
// redrawn from the model's since-start report once a second (the watch
// loop's tick), with keys to sort, pause, filter and look into one
// container. Quitting gives the terminal back and prints the plain
// table's final summary on the normal screen.
//
// The rows, their order and the columns that fit come from
// output/live_rows.h; the rates from aggregator/rates.h; this file only
// keeps the state the keys change and puts lines on the screen.
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "aggregator/rates.h"
#include "output/live_rows.h"
#include "output/live_terminal.h"
#include "output/output.h"

namespace bpfwatch {

struct LiveViewOptions {
	OutputOptions table;        // the final summary's (--histogram, --top)
	bool alert_silence = false; // --alert-silence: silent rows say SILENT
	// Where to draw and read keys; stdout, stdin and $TERM when null (a
	// benchmark draws on /dev/null).
	std::FILE *term_out = nullptr;
	std::FILE *term_in = nullptr;
	const char *term_type = nullptr;
};

class LiveView : public Output {
public:
	LiveView(const LiveViewOptions &options, std::ostream &summary_out);
	~LiveView() override;

	bool refreshes() const override { return true; }
	void refresh(const Report &since_start) override;
	bool interact() override;
	void close() override;

	// Summaries wait until the screen is closed; intervals are not made.
	void report(const Report &report) override;
	void record(const Record &, const Target &) override {}
	void flush() override {}
	void notice(const std::string &kind, const Target &target, const std::string &message) override;
	void alert(const SilenceAlert &alert, const Target &target) override;

	// Draws the current frame (refresh and keys do; public for the bench).
	void draw();

private:
	enum class Mode { list, details, filter };

	bool open();
	bool handle_key(int key);
	bool handle_list_key(int key);
	void handle_filter_key(int key);
	void move_sort(int step);
	void message(std::string text);

	std::vector<const LiveRow *> visible_rows();
	void draw_list();
	void draw_details();
	void draw_bottom_line();
	std::vector<std::string> details_lines(const TargetReport &tr, const LiveRow *row);

	LiveViewOptions options_;
	std::ostream &summary_out_;
	std::unique_ptr<Terminal> term_;
	bool closed_ = false;

	RateTracker tracker_;
	Report shown_; // the since-start report on screen (frozen while paused)
	std::vector<LiveRow> rows_;

	Mode mode_ = Mode::list;
	LiveColumn sort_ = LiveColumn::log;
	bool reverse_ = false;
	bool paused_ = false;
	std::optional<std::uint64_t> selected_; // by key: it keeps its row through re-sorting
	std::size_t first_row_ = 0;             // scrolled past
	std::string filter_, filter_before_;
	std::size_t details_scroll_ = 0;
	LiveLayout layout_; // of the last list frame: what < and > step through

	struct Message {
		std::string text;
		std::chrono::steady_clock::time_point when;
	};
	std::optional<Message> message_;
	std::vector<Report> summaries_; // printed once the screen is closed
};

} // namespace bpfwatch

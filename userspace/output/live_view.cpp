// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "output/live_view.h"

#include <algorithm>

#include <fmt/format.h>

#include "output/format.h"
#include "output/table_block.h"
#include "output/text.h"

namespace bpfwatch {
namespace {

using Clock = std::chrono::steady_clock;
using Style = Terminal::Style;

// The bottom line shows a notice or an alert this long, then the keys.
constexpr auto kMessageTime = std::chrono::seconds(15);
constexpr int kTopRows = 2; // the title and the column names
constexpr std::string_view kListKeys =
	"q quit  s/</> sort  r reverse  p pause  Enter details  / filter  j/k move";
constexpr std::string_view kDetailKeys = "Esc back  j/k scroll  p pause  q quit";

std::string per_second(double bytes)
{
	return compact_rate(bytes) + "/s";
}

std::size_t page_of(const Terminal &t)
{
	return static_cast<std::size_t>(std::max(1, t.rows() - kTopRows - 1));
}

} // namespace

LiveView::LiveView(const LiveViewOptions &options, std::ostream &summary_out)
	: options_(options), summary_out_(summary_out)
{
}

// Leaving by an error: the terminal is given back, and main prints why.
LiveView::~LiveView() = default;

bool LiveView::open()
{
	if (closed_)
		return false;
	if (!term_) {
		term_ = std::make_unique<Terminal>(options_.term_out, options_.term_in, options_.term_type);
		draw();
	}
	return true;
}

void LiveView::refresh(const Report &since_start)
{
	tracker_.update(since_start);
	if (!paused_) {
		shown_ = since_start;
		rows_ = live_rows(shown_, tracker_);
	}
	if (open())
		draw();
}

bool LiveView::interact()
{
	if (!open())
		return true;
	bool changed = false;
	for (int k; (k = term_->key()) != Terminal::kNoKey;) {
		if (!handle_key(k))
			return false;
		changed = true;
	}
	if (message_ && Clock::now() - message_->when > kMessageTime) {
		message_.reset();
		changed = true;
	}
	if (changed)
		draw();
	return true;
}

void LiveView::close()
{
	if (closed_)
		return;
	closed_ = true;
	term_.reset();
	auto table = make_table_output(summary_out_, options_.table);
	for (const Report &r : summaries_)
		table->report(r);
	summaries_.clear();
}

void LiveView::report(const Report &report)
{
	if (report.kind != Report::Kind::Summary)
		return;
	if (closed_)
		make_table_output(summary_out_, options_.table)->report(report);
	else
		summaries_.push_back(report);
}

void LiveView::notice(const std::string &kind, const Target &target, const std::string &text)
{
	std::string label = kind == "warning" || kind == "error" ? kind : "note";
	message(fmt::format("{}: {}: {}", label, printable(target.name), text));
}

void LiveView::alert(const SilenceAlert &a, const Target &target)
{
	message(fmt::format("ALERT: {}: nothing got through for {} while it wrote {}{}", printable(target.name),
			    format_duration(a.silent_s), format_bytes(a.written_bytes),
			    a.received_bytes ? " and received " + format_bytes(a.received_bytes) : ""));
}

void LiveView::message(std::string text)
{
	message_ = Message{std::move(text), Clock::now()};
	if (term_)
		draw();
}

bool LiveView::handle_key(int k)
{
	if (k == Terminal::kResize)
		return true; // the frame that follows fits the new size
	if (mode_ == Mode::filter) {
		handle_filter_key(k);
		return true;
	}
	if (k == 'q' || k == 'Q')
		return false;
	if (k == 'p' || k == ' ') {
		paused_ = !paused_;
		return true;
	}
	if (mode_ == Mode::list)
		return handle_list_key(k);

	std::size_t page = page_of(*term_);
	switch (k) {
	case Terminal::kEscape:
	case Terminal::kEnter:
	case Terminal::kBackspace:
	case Terminal::kLeft:
		mode_ = Mode::list;
		break;
	case Terminal::kDown:
	case 'j':
		details_scroll_++;
		break;
	case Terminal::kUp:
	case 'k':
		details_scroll_ -= std::min<std::size_t>(details_scroll_, 1);
		break;
	case Terminal::kPageDown:
		details_scroll_ += page;
		break;
	case Terminal::kPageUp:
		details_scroll_ -= std::min(details_scroll_, page);
		break;
	case Terminal::kHome:
		details_scroll_ = 0;
		break;
	default:
		break;
	}
	return true;
}

bool LiveView::handle_list_key(int k)
{
	std::vector<const LiveRow *> rows = visible_rows();
	std::size_t at = 0;
	for (std::size_t i = 0; i < rows.size(); i++)
		if (selected_ && rows[i]->key == *selected_)
			at = i;
	std::size_t page = page_of(*term_), last = rows.empty() ? 0 : rows.size() - 1;
	switch (k) {
	case 's':
	case '>':
		move_sort(1);
		return true;
	case '<':
		move_sort(-1);
		return true;
	case 'r':
		reverse_ = !reverse_;
		return true;
	case '/':
		filter_before_ = filter_;
		mode_ = Mode::filter;
		return true;
	case Terminal::kEscape:
		filter_.clear();
		return true;
	case Terminal::kEnter:
		if (!rows.empty()) {
			mode_ = Mode::details;
			details_scroll_ = 0;
		}
		break;
	case Terminal::kDown:
	case 'j':
		at = std::min(at + 1, last);
		break;
	case Terminal::kUp:
	case 'k':
		at -= std::min<std::size_t>(at, 1);
		break;
	case Terminal::kPageDown:
		at = std::min(at + page, last);
		break;
	case Terminal::kPageUp:
		at -= std::min(at, page);
		break;
	case Terminal::kHome:
	case 'g':
		at = 0;
		break;
	case Terminal::kEnd:
	case 'G':
		at = last;
		break;
	default:
		return true;
	}
	if (!rows.empty())
		selected_ = rows[at]->key;
	return true;
}

// Typed text filters as it is typed; Enter keeps it, Esc puts back the
// one before.
void LiveView::handle_filter_key(int k)
{
	if (k == Terminal::kEnter) {
		mode_ = Mode::list;
	} else if (k == Terminal::kEscape) {
		filter_ = filter_before_;
		mode_ = Mode::list;
	} else if (k == Terminal::kBackspace) {
		if (!filter_.empty())
			filter_.pop_back();
	} else if (k >= 0x20 && k < 0x7f) {
		filter_ += static_cast<char>(k);
	}
}

// To the next (or previous) column on screen that can be sorted by.
void LiveView::move_sort(int step)
{
	std::vector<LiveColumn> cols;
	for (const ColumnSpan &s : layout_.columns)
		if (sortable(s.column))
			cols.push_back(s.column);
	if (cols.empty())
		return;
	auto n = static_cast<int>(cols.size());
	int i = static_cast<int>(std::find(cols.begin(), cols.end(), sort_) - cols.begin());
	if (i == n) // its column went when the terminal got narrower
		i = step > 0 ? -1 : 0;
	sort_ = cols[static_cast<std::size_t>(((i + step) % n + n) % n)];
}

std::vector<const LiveRow *> LiveView::visible_rows()
{
	sort_rows(rows_, sort_, reverse_);
	std::vector<const LiveRow *> out;
	for (const LiveRow &r : rows_)
		if (name_matches(r, filter_))
			out.push_back(&r);
	return out;
}

void LiveView::draw()
{
	if (!term_)
		return;
	term_->erase();
	if (mode_ == Mode::details)
		draw_details();
	else
		draw_list();
	draw_bottom_line();
	term_->show();
}

void LiveView::draw_list()
{
	std::vector<const LiveRow *> rows = visible_rows();
	bool with_input = false;
	std::size_t longest = 0;
	for (const LiveRow &r : rows_) {
		with_input = with_input || (r.rates && r.rates->in);
		longest = std::max(longest, display_width(r.name));
	}
	// A column to spare on the right, as the plain table keeps one.
	auto width = static_cast<std::size_t>(std::max(1, term_->cols() - 1));
	layout_ = live_layout(width, with_input, longest);

	std::string title = fmt::format("bpfwatch  {} container{}", rows.size(), rows.size() == 1 ? "" : "s");
	if (!filter_.empty())
		title += fmt::format(" of {}", rows_.size());
	title += fmt::format("  up {}  sort: {}{}", format_duration(shown_.duration_s), column_title(sort_),
			     reverse_ ? " reversed" : "");
	if (paused_)
		title += "  PAUSED";
	if (!filter_.empty())
		title += "  filter: " + filter_;
	term_->put(0, 0, title);
	term_->bar(1, live_header(layout_), Style::title);

	std::size_t at = 0;
	for (std::size_t i = 0; i < rows.size(); i++)
		if (selected_ && rows[i]->key == *selected_)
			at = i;
	if (!rows.empty())
		selected_ = rows[at]->key;
	std::size_t page = page_of(*term_);
	first_row_ = std::min(first_row_, at);
	if (at >= first_row_ + page)
		first_row_ = at - page + 1;

	bool utf8 = term_->utf8();
	for (std::size_t i = 0; i < page && first_row_ + i < rows.size(); i++) {
		const LiveRow &r = *rows[first_row_ + i];
		int y = kTopRows + static_cast<int>(i);
		std::string line = live_line(r, layout_, utf8, options_.alert_silence);
		if (first_row_ + i == at)
			term_->bar(y, line, Style::selected);
		else
			term_->put(y, 0, line);
		// The model holds it silent: its last send stands out.
		if (r.silent_s)
			for (LiveColumn c : {LiveColumn::last_send, LiveColumn::state})
				if (const ColumnSpan *s = layout_.find(c))
					term_->put(y, static_cast<int>(s->x),
						   live_cell(r, c, s->width, utf8, options_.alert_silence), Style::alert);
	}
	if (rows.empty())
		term_->put(kTopRows, 0,
			   rows_.empty() ? "no container has written or sent anything yet"
					 : "no container's name contains '" + filter_ + "' (Esc clears the filter)");
}

std::vector<std::string> LiveView::details_lines(const TargetReport &tr, const LiveRow *row)
{
	auto width = static_cast<std::size_t>(std::max(20, term_->cols() - 1));
	std::vector<std::string> out;
	if (row && row->rates) {
		const TargetRates &r = *row->rates;
		std::vector<std::string> items = {
			(r.log_from_stdio ? "fd 1 and 2 " : "log ") + per_second(r.log),
			"file " + per_second(r.kind(FdKind::file)),
			"socket " + per_second(r.kind(FdKind::socket)),
			"pipe " + per_second(r.kind(FdKind::pipe)),
			"out " + per_second(r.out),
			"left the host " + per_second(r.left_host),
		};
		if (r.in)
			items.push_back("in " + per_second(*r.in));
		items.push_back(fmt::format("errors {:.0f}/s", r.errors));
		for (std::string &l : wrap_items(items, ", ", width, "now: ", "     "))
			out.push_back(std::move(l));
	} else {
		out.push_back("now: rates from the second refresh on");
	}
	TargetReport shown = tr;
	if (!options_.alert_silence && shown.silent_s) {
		// The SILENT marker is --alert-silence's; the view still says it.
		out.push_back(fmt::format("quiet: nothing got through for {} while it wrote",
					  format_duration(*shown.silent_s)));
		shown.silent_s.reset();
	}
	out.push_back("since the start:");
	OutputOptions options = options_.table;
	options.histogram = true;
	options.top_destinations = 0; // all of them: there is room to scroll
	for (std::string &l : table_block(shown, shown_, options))
		out.push_back(std::move(l));
	return out;
}

void LiveView::draw_details()
{
	const TargetReport *tr = nullptr;
	for (const TargetReport &t : shown_.targets)
		if (selected_ && t.key == *selected_)
			tr = &t;
	const LiveRow *row = nullptr;
	for (const LiveRow &r : rows_)
		if (selected_ && r.key == *selected_)
			row = &r;
	if (!tr) {
		term_->bar(0, "details", Style::title);
		term_->put(1, 0, "it is no longer in the report (Esc goes back)");
		return;
	}
	term_->bar(0, fmt::format("details: {}{}", printable(tr->target.name), paused_ ? "  PAUSED" : ""),
		   Style::title);
	std::vector<std::string> lines = details_lines(*tr, row);
	std::size_t room = page_of(*term_) + 1; // no column names here
	details_scroll_ = std::min(details_scroll_, lines.size() > room ? lines.size() - room : 0);
	for (std::size_t i = 0; i < room && details_scroll_ + i < lines.size(); i++)
		term_->put(1 + static_cast<int>(i), 0, lines[details_scroll_ + i]);
}

void LiveView::draw_bottom_line()
{
	int y = term_->rows() - 1;
	if (mode_ == Mode::filter)
		term_->bar(y, "filter: " + filter_ + "_  (Enter keeps it, Esc cancels)", Style::title);
	else if (message_)
		term_->put(y, 0, message_->text,
			   message_->text.rfind("ALERT", 0) == 0 ? Style::alert : Style::normal);
	else
		term_->put(y, 0, mode_ == Mode::details ? kDetailKeys : kListKeys, Style::dim);
}

} // namespace bpfwatch

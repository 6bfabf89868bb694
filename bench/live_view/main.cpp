// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// bpfwatch-bench-live: what the live view costs to redraw. A made-up
// since-start report of N containers (three destinations each, one of them
// remote with delivery numbers) grows every frame as a busy host's would;
// the view takes it as it takes the watch loop's tick (rates, rows, sort,
// the ncurses frame and the bytes ncurses sends), drawing on a real
// terminal description into a file. Prints CPU time per frame and what
// one frame a second costs of a core. No root, no kernel: see
// docs/PERFORMANCE.md ("The live view").
#include <netinet/in.h>
#include <time.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "output/live_view.h"

namespace {

using namespace bpfwatch;

constexpr std::uint64_t kSecond = 1000000000;

double cpu_seconds()
{
	timespec ts{};
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

Report make_report(std::size_t containers)
{
	Report r;
	r.kind = Report::Kind::Summary;
	r.delivery_stats = DeliveryStats{};
	for (std::size_t i = 0; i < containers; i++) {
		TargetReport tr;
		tr.key = 1000 + i;
		tr.target.name = fmt::format("container-{:03}", i);
		tr.target.runtime = "docker";
		tr.target.container_id = fmt::format("{:064x}", i + 1);
		tr.target.cgroup_id = tr.key;
		tr.log_known = true;
		tr.state = "running";
		for (std::uint16_t d = 0; d < 3; d++) {
			Endpoint e = Endpoint::ip(*IpAddress::parse(d == 0 ? "198.51.100.7" : "172.17.0.3"),
						  IPPROTO_TCP, static_cast<std::uint16_t>(5514 + d));
			tr.window.destinations[e] = DestinationStats{};
			tr.locality[e] = d == 0 ? Locality::remote : Locality::local_container;
			tr.window.delivery[e] = PeerDelivery{};
		}
		r.targets.push_back(std::move(tr));
	}
	return r;
}

// One second of a busy host: every container writes its log and files and
// sends, at rates that differ by container and change by the second.
void advance(Report &r, std::uint64_t frame)
{
	r.now_ns = (frame + 1) * kSecond;
	r.duration_s = static_cast<double>(frame + 1);
	for (std::size_t i = 0; i < r.targets.size(); i++) {
		Window &w = r.targets[i].window;
		std::uint64_t n = 100 + (i * 37 + frame * 11) % 5000;
		w.by_kind[index_of(FdKind::pipe)] += Counts{n * 60, n, 0};
		w.log += Counts{n * 60, n, 0};
		w.by_kind[index_of(FdKind::file)] += Counts{n * 8, n / 4, 0};
		w.by_kind[index_of(FdKind::socket)] += Counts{n * 40, n, frame % 7 == i % 7 ? 3u : 0u};
		for (auto &[dest, s] : w.destinations) {
			s.counts += Counts{n * 13, n / 3, 0};
			s.last_success_ns = r.now_ns - (i % 5) * kSecond / 3;
			PeerDelivery &d = w.delivery[dest];
			d.tcp.bytes_acked += n * 13;
			d.egress.bytes += n * 14;
			d.egress.packets += n / 3;
		}
		w.detail[WriteView::socket].sizes.add(n, n);
		w.detail[WriteView::pipe].sizes.add(60, n);
	}
}

struct Result {
	double cpu_per_frame_s = 0;
	double bytes_per_frame = 0;
};

Result measure(std::size_t containers, int cols, int rows, int frames, const std::string &term)
{
	// ncurses reads the size from the environment when the "terminal"
	// is a file.
	setenv("COLUMNS", std::to_string(cols).c_str(), 1);
	setenv("LINES", std::to_string(rows).c_str(), 1);
	std::FILE *out = std::tmpfile();
	std::FILE *in = std::fopen("/dev/null", "r");
	if (!out || !in)
		throw std::runtime_error("cannot open the benchmark's files");
	Report report = make_report(containers);
	std::ostringstream summary;
	Result res;
	{
		LiveViewOptions o;
		o.term_out = out;
		o.term_in = in;
		o.term_type = term.c_str();
		LiveView view(o, summary);
		// Warm up: the first frames draw everything and size the buffers.
		for (int f = 0; f < 3; f++) {
			advance(report, static_cast<std::uint64_t>(f));
			view.refresh(report);
		}
		std::fflush(out);
		long before = std::ftell(out);
		double cpu = 0;
		for (int f = 3; f < frames + 3; f++) {
			advance(report, static_cast<std::uint64_t>(f)); // the model's part: not timed
			double t0 = cpu_seconds();
			view.refresh(report);
			view.interact();
			cpu += cpu_seconds() - t0;
		}
		std::fflush(out);
		res.cpu_per_frame_s = cpu / frames;
		res.bytes_per_frame = static_cast<double>(std::ftell(out) - before) / frames;
		view.close();
	}
	std::fclose(out);
	std::fclose(in);
	return res;
}

} // namespace

int main(int argc, char **argv)
{
	CLI::App app("bpfwatch-bench-live: CPU per frame of the live view (see docs/PERFORMANCE.md)");
	std::size_t containers = 200;
	int frames = 300, reps = 5;
	std::string term = "xterm-256color";
	bool ascii = false;
	app.add_option("--containers", containers, "Containers in the report")->check(CLI::PositiveNumber);
	app.add_option("--frames", frames, "Frames timed per terminal size and repetition")
		->check(CLI::PositiveNumber);
	app.add_option("--reps", reps, "Repetitions, the sizes interleaved; the median is shown")
		->check(CLI::PositiveNumber);
	app.add_option("--term", term, "Terminal type (terminfo name)");
	app.add_flag("--ascii", ascii, "Draw in ASCII (a non-UTF-8 locale)");
	CLI11_PARSE(app, argc, argv);
	setenv("LC_ALL", ascii ? "C" : "C.UTF-8", 1);

	std::cout << fmt::format("{} containers, {} frames per size, {} repetitions, terminal {}, {}\n", containers,
				 frames, reps, term, ascii ? "ASCII" : "UTF-8");
	std::cout << fmt::format("{:>9}  {:>14}  {:>14}  {:>17}  {:>14}\n", "size", "CPU per frame", "(min-max)",
				 "core at 1 frame/s", "terminal bytes");
	try {
		const std::pair<int, int> sizes[] = {{80, 24}, {120, 40}, {200, 60}};
		std::vector<std::vector<Result>> runs(std::size(sizes));
		for (int rep = 0; rep < reps; rep++) // interleaved: a slow spell hits every size
			for (std::size_t i = 0; i < std::size(sizes); i++)
				runs[i].push_back(measure(containers, sizes[i].first, sizes[i].second, frames, term));
		for (std::size_t i = 0; i < std::size(sizes); i++) {
			auto &r = runs[i];
			std::sort(r.begin(), r.end(),
				  [](const Result &a, const Result &b) { return a.cpu_per_frame_s < b.cpu_per_frame_s; });
			const Result &median = r[r.size() / 2];
			std::cout << fmt::format("{:>9}  {:>11.0f} us  {:>14}  {:>16.3f}%  {:>12.0f} B\n",
						 fmt::format("{}x{}", sizes[i].first, sizes[i].second),
						 median.cpu_per_frame_s * 1e6,
						 fmt::format("({:.0f}-{:.0f} us)", r.front().cpu_per_frame_s * 1e6,
							     r.back().cpu_per_frame_s * 1e6),
						 median.cpu_per_frame_s * 100, median.bytes_per_frame);
		}
	} catch (const std::exception &e) {
		std::cerr << "bpfwatch-bench-live: " << e.what() << "\n";
		return 1;
	}
	return 0;
}

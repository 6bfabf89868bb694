// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "cli/options.h"

#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/duration.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

constexpr const char *kDescription =
	"bpfwatch: what containers write and send, counted in the kernel.\n"
	"\n"
	"Counts, per container cgroup, the bytes and calls of write, writev,\n"
	"pwrite64, pwritev, pwritev2, sendto, sendmsg, sendmmsg and sendfile64,\n"
	"split by what the fd is (pipe = a container's stdout/stderr, file,\n"
	"socket, tty, other), with socket destinations, failures by errno and a\n"
	"histogram of bytes per call. Nothing is changed in the watched\n"
	"containers: no exec, no signal, no ptrace, only eBPF and read-only\n"
	"/proc, /sys and runtime API reads.\n"
	"\n"
	"Without --container/--cgroup/--pid every container on the host is watched.";

constexpr const char *kFooter =
	"Examples:\n"
	"  bpfwatch --container log-router\n"
	"  bpfwatch --container log-router --duration 30s --output json\n"
	"  bpfwatch --pid 4242 --events\n"
	"  bpfwatch --runtime podman --container web   # Podman, socket or CLI\n"
	"Exit status: 0 ok, 2 error (bad input, missing privilege, setup),\n"
	"3 every watched container exited.";

} // namespace

Command parse_command_line(int argc, char **argv)
{
	Command cmd;
	WatchOptions &w = cmd.watch;
	std::string duration, interval = "5s", output = "table", alert_silence;

	CLI::App app(kDescription, "bpfwatch");
	app.footer(kFooter);
	app.set_version_flag("--version", BPFWATCH_VERSION);
	app.option_defaults()->always_capture_default();

	app.add_option("-c,--container", w.containers,
		       "Container to watch: name, full ID or unique ID prefix (repeatable); "
		       "resolved through the container runtime (see --runtime)")
		->type_name("NAME");
	app.add_option("--cgroup", w.cgroups,
		       "cgroup v2 directory to watch, relative to the cgroup2 mount "
		       "(/docker/<id>) or absolute (repeatable)")
		->type_name("PATH");
	app.add_option("-p,--pid", w.pids, "Watch the cgroup of this process (repeatable)")->type_name("PID");
	auto *runtime_opt =
		app.add_option("--runtime", w.runtime,
			       "Who resolves --container names and names containers: auto asks "
			       "Docker's socket, then Podman's socket (else the podman CLI), each "
			       "that is present; docker or podman asks only that one")
			->check(CLI::IsMember({"auto", "docker", "podman"}));
	auto *docker_opt = app.add_option("--docker-socket", w.docker_socket,
					  "Docker Engine API socket (given alone: --runtime docker)")
				   ->type_name("PATH");
	auto *podman_opt = app.add_option("--podman-socket", w.podman_socket,
					  "Podman's Docker-compatible API socket, served by `podman system "
					  "service`; without it the podman CLI is asked (given alone: "
					  "--runtime podman)")
				   ->type_name("PATH");
	app.add_option("-d,--duration", duration, "Stop after this long (500ms, 30s, 5m); default: until Ctrl-C")
		->type_name("TIME");
	auto *interval_opt = app.add_option("-i,--interval", interval,
					    "Print a report this often; 0 prints only the final summary "
					    "(default with --events)")
				     ->type_name("TIME");
	app.add_option("-o,--output", output, "Output format")->check(CLI::IsMember({"table", "json"}));
	app.add_option("--alert-silence", alert_silence,
		       "Alert when a container sends no socket byte for this long while it keeps "
		       "writing to stdout or files (the silent log router)")
		->type_name("TIME");
	app.add_flag("-e,--events", w.events, "Print every counted call as it arrives, like a trace tool");
	app.add_flag("-H,--histogram", w.histogram, "Show the log2 histogram of bytes per call");
	app.add_flag("!--no-delivery", w.delivery,
		     "Leave out what the network did with the bytes (TCP acknowledgements, "
		     "retransmits, connect failures, bytes that left the host): no per-packet probes");
	app.add_option("--top", w.top, "Destinations shown per container in the table")->check(CLI::PositiveNumber);
	app.add_flag("-v,--verbose", w.verbosity, "More logging (repeat for libbpf's debug log)");

	try {
		app.parse(argc, argv);
		w.json = output == "json";
		// Naming one runtime's socket says which runtime to ask.
		if (runtime_opt->count() == 0 && docker_opt->count() != podman_opt->count())
			w.runtime = docker_opt->count() ? "docker" : "podman";
		if (!duration.empty())
			w.duration = parse_duration(duration);
		if (!alert_silence.empty())
			w.alert_silence = parse_duration(alert_silence);
		w.interval = parse_duration(interval);
		// A trace reads best without reports in between, unless asked.
		if (w.events && interval_opt->count() == 0)
			w.interval = std::chrono::milliseconds(0);
		for (pid_t pid : w.pids)
			if (pid <= 0)
				throw Error("--pid " + std::to_string(pid) + ": not a process id");
	} catch (const CLI::CallForHelp &) {
		std::cout << app.help();
		return {Command::Name::Exit, kExitOk, {}};
	} catch (const CLI::CallForVersion &) {
		std::cout << "bpfwatch " << BPFWATCH_VERSION << "\n";
		return {Command::Name::Exit, kExitOk, {}};
	} catch (const CLI::ParseError &e) {
		std::cerr << "bpfwatch: " << e.what() << " (see bpfwatch --help)\n";
		return {Command::Name::Exit, kExitError, {}};
	} catch (const Error &e) {
		std::cerr << "bpfwatch: " << e.what() << "\n";
		return {Command::Name::Exit, kExitError, {}};
	}
	return cmd;
}

} // namespace bpfwatch

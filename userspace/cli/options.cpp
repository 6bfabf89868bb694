// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "cli/options.h"

#include <CLI/CLI.hpp>

#include <iostream>

#include "aggregator/locality.h"
#include "cli/duration.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

constexpr const char *kDescription =
	"bpfwatch: what containers write and send, counted in the kernel.\n"
	"\n"
	"Counts, per container cgroup, the bytes and calls of write, writev,\n"
	"pwrite64, pwritev, pwritev2, sendto, sendmsg, sendmmsg and sendfile64,\n"
	"split by what the fd is (pipe, file, socket, tty, other), what reached\n"
	"the container's log (what `docker logs` gets), socket destinations,\n"
	"failures by errno and a histogram of bytes per call; and what the\n"
	"network did with the bytes: acknowledged, retransmitted, refused, and\n"
	"whether they left the host. Nothing is changed in the watched\n"
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
	"  bpfwatch check --container log-router --to 198.51.100.7:514\n"
	"Commands: check (did the data leave the host? see bpfwatch check --help)\n"
	"Exit status: 0 ok, 2 error (bad input, missing privilege, setup),\n"
	"3 every watched container exited.";

// The options that say what to watch, shared by the watch and check commands.
struct TargetFlags {
	CLI::Option *runtime, *docker_socket, *podman_socket;
};

TargetFlags add_target_options(CLI::App &app, WatchOptions &w, const char *verb)
{
	app.add_option("-c,--container", w.containers,
		       std::string("Container to ") + verb +
			       ": name, full ID or unique ID prefix (repeatable); "
			       "resolved through the container runtime (see --runtime)")
		->type_name("NAME")
		->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
	app.add_option("--cgroup", w.cgroups,
		       std::string("cgroup v2 directory to ") + verb +
			       ", relative to the cgroup2 mount (/docker/<id>) or absolute (repeatable)")
		->type_name("PATH")
		->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
	app.add_option("-p,--pid", w.pids, std::string("The cgroup of this process (repeatable)"))
		->type_name("PID")
		->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
	app.add_option("--remote-net", w.remote_nets,
		       "Place peers in this network (CIDR) as remote, bytes to them as leaving the "
		       "host, whatever the routes say (repeatable)")
		->type_name("CIDR")
		->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
	app.add_option("--local-net", w.local_nets,
		       "Place peers in this network (CIDR) as a container network on this host "
		       "(repeatable)")
		->type_name("CIDR")
		->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
	TargetFlags f;
	f.runtime = app.add_option("--runtime", w.runtime,
				   "Who resolves --container names and names containers: auto asks "
				   "Docker's socket, then Podman's socket (else the podman CLI), each "
				   "that is present; docker or podman asks only that one")
			    ->check(CLI::IsMember({"auto", "docker", "podman"}));
	f.docker_socket = app.add_option("--docker-socket", w.docker_socket,
					 "Docker Engine API socket (given alone: --runtime docker)")
				  ->type_name("PATH");
	f.podman_socket = app.add_option("--podman-socket", w.podman_socket,
					 "Podman's Docker-compatible API socket, served by `podman system "
					 "service`; without it the podman CLI is asked (given alone: "
					 "--runtime podman)")
				  ->type_name("PATH");
	return f;
}

// After parsing: what the target options imply.
void finish_target_options(const TargetFlags &f, WatchOptions &w)
{
	// Naming one runtime's socket says which runtime to ask.
	if (f.runtime->count() == 0 && f.docker_socket->count() != f.podman_socket->count())
		w.runtime = f.docker_socket->count() ? "docker" : "podman";
	for (pid_t pid : w.pids)
		if (pid <= 0)
			throw Error("--pid " + std::to_string(pid) + ": not a process id");
	for (const auto *nets : {&w.remote_nets, &w.local_nets})
		for (const std::string &net : *nets)
			if (!IpPrefix::parse(net))
				throw Error("'" + net + "' is not a network (examples: 198.51.100.0/24, 2001:db8::/32)");
}

constexpr const char *kCheckDescription =
	"Did the container's data leave the host? Watches for --window and exits\n"
	"0 when at least --min-bytes were sent to a remote peer (one whose bytes\n"
	"leave the host: not loopback, this host's own addresses or its container\n"
	"networks, whether routed through a gateway or on a NIC's own subnet) and\n"
	"left the host as IP packets, and, with --require-ack, were acknowledged\n"
	"by the peer; 1 when not (not_delivered, or silent: no socket activity at\n"
	"all); 2 on error. Prints one line with the reason, or one JSON object.";

} // namespace

Command parse_command_line(int argc, char **argv)
{
	Command cmd;
	WatchOptions &w = cmd.watch;
	CheckOptions &c = cmd.check;
	std::string duration, interval = "5s", output = "table", alert_silence;
	std::string check_output = "text", window = "30s";

	CLI::App app(kDescription, "bpfwatch");
	app.footer(kFooter);
	app.set_version_flag("--version", BPFWATCH_VERSION);
	// A setting given twice takes the last, as in most tools: wrappers
	// (scripts/run --demo) put defaults first and the user's after.
	app.option_defaults()->always_capture_default()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
	app.require_subcommand(0, 1);

	TargetFlags watch_flags = add_target_options(app, w, "watch");
	app.add_option("-d,--duration", duration, "Stop after this long (500ms, 30s, 5m); default: until Ctrl-C")
		->type_name("TIME");
	auto *interval_opt = app.add_option("-i,--interval", interval,
					    "Print a report this often; 0 prints only the final summary "
					    "(default with --events)")
				     ->type_name("TIME");
	app.add_option("-o,--output", output, "Output format")->check(CLI::IsMember({"table", "json"}));
	app.add_option("--alert-silence", alert_silence,
		       "Alert when a container sends no socket byte for this long while it keeps "
		       "writing to its log or files (the silent log router); reports then mark it "
		       "SILENT until bytes go out again")
		->type_name("TIME");
	app.add_flag("-e,--events", w.events, "Print every counted call as it arrives, like a trace tool");
	app.add_flag("-H,--histogram", w.histogram, "Show the log2 histogram of bytes per call");
	app.add_flag("!--no-delivery", w.delivery,
		     "Leave out what the network did with the bytes (TCP acknowledgements, "
		     "retransmits, connect failures, bytes that left the host): no per-packet probes");
	app.add_option("--top", w.top, "Destinations shown per container in the table")->check(CLI::PositiveNumber);
	app.add_flag("-v,--verbose", w.verbosity, "More logging (repeat for libbpf's debug log)");

	CLI::App *check = app.add_subcommand("check", kCheckDescription);
	check->option_defaults()->always_capture_default()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
	check->footer("Examples:\n"
		      "  bpfwatch check --container log-router --to 198.51.100.7:514 --window 30s\n"
		      "  bpfwatch check -c log-router --require-ack --output json\n"
		      "Exit status: 0 delivered, 1 not delivered or silent, 2 error.");
	TargetFlags check_flags = add_target_options(*check, c.watch, "check");
	check->add_option("--to", c.to, "Only this peer counts: HOST or HOST:PORT ([V6]:PORT), an IP address")
		->type_name("HOST[:PORT]");
	check->add_option("-w,--window", window, "How long to watch (500ms, 30s, 5m)")->type_name("TIME");
	check->add_option("--min-bytes", c.min_bytes, "Bytes that must have left the host (and been acknowledged)")
		->check(CLI::PositiveNumber);
	check->add_flag("--require-ack", c.require_ack,
			"Also require the bytes to be acknowledged by the peer (TCP)");
	check->add_option("-o,--output", check_output, "Output format")->check(CLI::IsMember({"text", "json"}));
	check->add_flag("-v,--verbose", c.watch.verbosity, "More logging (repeat for libbpf's debug log)");

	try {
		app.parse(argc, argv);
		if (check->parsed()) {
			cmd.name = Command::Name::Check;
			finish_target_options(check_flags, c.watch);
			c.watch.json = check_output == "json";
			c.window = parse_duration(window);
			if (c.watch.containers.size() + c.watch.cgroups.size() + c.watch.pids.size() != 1)
				throw Error("check takes exactly one --container, --cgroup or --pid");
			return cmd;
		}
		finish_target_options(watch_flags, w);
		w.json = output == "json";
		if (!duration.empty())
			w.duration = parse_duration(duration);
		if (!alert_silence.empty())
			w.alert_silence = parse_duration(alert_silence);
		w.interval = parse_duration(interval);
		// A trace reads best without reports in between, unless asked.
		if (w.events && interval_opt->count() == 0)
			w.interval = std::chrono::milliseconds(0);
	} catch (const CLI::CallForHelp &) {
		std::cout << (check->parsed() ? check->help() : app.help());
		return {Command::Name::Exit, kExitOk, {}, {}};
	} catch (const CLI::CallForVersion &) {
		std::cout << "bpfwatch " << BPFWATCH_VERSION << "\n";
		return {Command::Name::Exit, kExitOk, {}, {}};
	} catch (const CLI::ParseError &e) {
		std::cerr << "bpfwatch: " << e.what() << " (see bpfwatch --help)\n";
		return {Command::Name::Exit, kExitError, {}, {}};
	} catch (const Error &e) {
		std::cerr << "bpfwatch: " << e.what() << "\n";
		return {Command::Name::Exit, kExitError, {}, {}};
	}
	return cmd;
}

} // namespace bpfwatch

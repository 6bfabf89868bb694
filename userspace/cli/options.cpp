// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "cli/options.h"

#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/duration.h"
#include "net/ip.h"
#include "targets/selector.h"
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
	"Without --container/--pod/--label/--cgroup/--pid every container on the host\n"
	"is watched.";

constexpr const char *kFooter =
	"Examples:\n"
	"  bpfwatch                       # on a terminal: the live view (q quits)\n"
	"  bpfwatch --container log-router --output table\n"
	"  bpfwatch --container log-router --duration 30s --output json\n"
	"  bpfwatch --pid 4242 --events\n"
	"  bpfwatch --output none --metrics 0.0.0.0:9477   # the node daemon\n"
	"  bpfwatch --runtime podman --container web   # Podman, socket or CLI\n"
	"  bpfwatch check --container log-router --to 198.51.100.7:514\n"
	"  bpfwatch --pod logging/fluent-bit-x7k2p     # containerd, CRI-O: by the kubelet's names\n"
	"  bpfwatch --label com.amazonaws.ecs.cluster=prod --label app=router\n"
	"  bpfwatch list                  # every container, its cgroup, and which runtimes answered\n"
	"Commands: check (did the data leave the host? see bpfwatch check --help),\n"
	"list (what can be watched; see bpfwatch list --help)\n"
	"Exit status: 0 ok, 2 error (bad input, missing privilege, setup),\n"
	"3 every watched container exited (--no-follow) or was removed for good\n"
	"(--gone-after) when no --duration was given.";

constexpr const char *kCheckDescription =
	"Did the container's data get out? Watches for --window and exits 0 when\n"
	"at least --min-bytes were sent to a remote peer (one whose bytes leave\n"
	"the host: not loopback, this host's own addresses or its container\n"
	"networks) and left the host as IP packets, and, for TCP, were\n"
	"acknowledged by the peer (--no-require-ack drops that); UDP can only be\n"
	"seen leaving, and its verdict says unconfirmed. Exits 1 when not\n"
	"(not_delivered, or silent: no socket activity at all), 2 on error.\n"
	"Prints one line with the reason, or one JSON object.";

// What every command takes to name its targets and place their peers.
struct TargetForm {
	std::vector<std::string> remote_nets, local_nets;
	std::vector<std::string> containerd_sockets;
	CLI::Option *runtime = nullptr, *docker_socket = nullptr, *podman_socket = nullptr;
	CLI::Option *containerd_socket = nullptr, *crio_socket = nullptr;
};

// Where each runtime is asked, shared by watch, check and list.
void add_runtime_options(CLI::App &app, ResolveOptions &t, TargetForm &f)
{
	f.runtime = app.add_option("--runtime", t.runtime,
				   "Who resolves container names and names containers: auto asks each "
				   "that is present (Docker's socket, Podman's socket or CLI, containerd, "
				   "CRI-O); any other asks only that one")
			    ->check(CLI::IsMember({"auto", "docker", "podman", "containerd", "cri-o"}));
	f.docker_socket = app.add_option("--docker-socket", t.docker_socket,
					 "Docker Engine API socket (given alone: --runtime docker)")
				  ->type_name("PATH");
	f.podman_socket = app.add_option("--podman-socket", t.podman_socket,
					 "Podman's Docker-compatible API socket, served by `podman system "
					 "service`; without it the podman CLI is asked (given alone: "
					 "--runtime podman)")
				  ->type_name("PATH");
	f.containerd_socket =
		app.add_option("--containerd-socket", f.containerd_sockets,
			       "containerd's socket; its task state is read from the directory beside it, "
			       "else ctr asks the socket (repeatable; replaces the defaults "
			       "/run/containerd/containerd.sock, k3s's /run/k3s/containerd/containerd.sock "
			       "and Docker's /var/run/docker/containerd/containerd.sock; given alone: "
			       "--runtime containerd)")
			->type_name("PATH")
			->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
	f.crio_socket = app.add_option("--crio-socket", t.crio_socket,
				       "CRI-O's socket, which serves its inspect API (given alone: --runtime cri-o)")
				->type_name("PATH");
}

void add_target_options(CLI::App &app, ResolveOptions &t, TargetForm &f, const char *verb)
{
	app.add_option("-c,--container", t.containers,
		       std::string("Container to ") + verb +
			       ": name, full ID or unique ID prefix, or its Kubernetes or ECS container "
			       "name (a name several share is an error listing them) (repeatable); "
			       "resolved through the container runtime (see --runtime)")
		->type_name("NAME")
		->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
	app.add_option("--pod", t.pods,
		       std::string("Kubernetes pod to ") + verb +
			       ": every container of it, or the one named (repeatable); read from the "
			       "kubelet's labels on containerd, CRI-O or Docker")
		->type_name("NAMESPACE/POD[/CONTAINER]")
		->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
	app.add_option("-l,--label", t.labels,
		       std::string("Containers to ") + verb +
			       " by their runtime labels: each one that carries every KEY=VALUE given "
			       "(repeatable: all must match), e.g. com.amazonaws.ecs.cluster=prod")
		->type_name("KEY=VALUE")
		->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
	app.add_option("--cgroup", t.cgroups,
		       std::string("cgroup v2 directory to ") + verb +
			       ", relative to the cgroup2 mount (/docker/<id>) or absolute (repeatable)")
		->type_name("PATH")
		->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
	app.add_option("-p,--pid", t.pids, "The cgroup of this process (repeatable)")
		->type_name("PID")
		->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
	app.add_option("--remote-net", f.remote_nets,
		       "Place peers in this network (CIDR) as remote, bytes to them as leaving the "
		       "host, whatever the routes say (repeatable)")
		->type_name("CIDR")
		->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
	app.add_option("--local-net", f.local_nets,
		       "Place peers in this network (CIDR) as a container network on this host "
		       "(repeatable)")
		->type_name("CIDR")
		->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
	add_runtime_options(app, t, f);
}

// Naming one runtime's socket says which runtime to ask.
void finish_runtime_options(const TargetForm &f, ResolveOptions &t)
{
	const std::pair<CLI::Option *, const char *> sockets[] = {{f.docker_socket, "docker"},
								  {f.podman_socket, "podman"},
								  {f.containerd_socket, "containerd"},
								  {f.crio_socket, "cri-o"}};
	std::vector<const char *> named;
	for (const auto &[opt, runtime] : sockets)
		if (opt->count())
			named.push_back(runtime);
	if (f.runtime->count() == 0 && named.size() == 1)
		t.runtime = named.front();
	if (!f.containerd_sockets.empty()) {
		t.containerd.clear();
		for (const std::string &s : f.containerd_sockets)
			t.containerd.push_back({s, ""});
	}
}

LocalityOverrides finish_target_options(const TargetForm &f, ResolveOptions &t)
{
	finish_runtime_options(f, t);
	for (const std::string &p : t.pods)
		pod_selector(p); // a malformed one is a usage error now, not after loading
	if (!t.labels.empty())
		label_selector(t.labels);
	for (pid_t pid : t.pids)
		if (pid <= 0)
			throw Error("--pid " + std::to_string(pid) + ": not a process id");
	LocalityOverrides places;
	auto parse_nets = [](const std::vector<std::string> &nets, std::vector<IpPrefix> &out) {
		for (const std::string &net : nets) {
			auto p = IpPrefix::parse(net);
			if (!p)
				throw Error("'" + net + "' is not a network (examples: 198.51.100.0/24, 2001:db8::/32)");
			out.push_back(*p);
		}
	};
	parse_nets(f.remote_nets, places.remote);
	parse_nets(f.local_nets, places.local_container);
	return places;
}

// The watch command's settings as typed, before they are checked.
struct WatchForm {
	WatchOptions opt;
	TargetForm targets;
	std::string duration, interval = "5s", output = "table", alert_silence, wait, gone_after = "60s", metrics;
	std::string histogram;
	CLI::Option *interval_opt = nullptr, *wait_opt = nullptr, *output_opt = nullptr, *histogram_opt = nullptr;
};

void add_watch_options(CLI::App &app, WatchForm &f)
{
	WatchOptions &w = f.opt;
	add_target_options(app, w.targets, f.targets, "watch");
	app.add_option("-d,--duration", f.duration, "Stop after this long (500ms, 30s, 5m); default: until Ctrl-C")
		->type_name("TIME");
	f.interval_opt = app.add_option("-i,--interval", f.interval,
					"Print a report this often; 0 prints only the final summary "
					"(default with --events)")
				 ->type_name("TIME");
	f.output_opt = app.add_option("-o,--output", f.output,
				      "Output format: table (blocks of plain text), json (one object per "
				      "line), live (a full-screen view refreshed every second; q quits and "
				      "prints the summary), none (nothing: with --metrics, the headless daemon, "
				      "which runs until SIGTERM). Default: live when stdout is a terminal, else "
				      "table")
			       ->check(CLI::IsMember({"table", "json", "live", "none"}));
	app.add_option("--alert-silence", f.alert_silence,
		       "Alert when nothing a container sends gets through for this long (nothing "
		       "sent, or for TCP nothing acknowledged) while it keeps writing to its log or "
		       "files (the silent log router); reports then mark it SILENT until bytes get "
		       "through again")
		->type_name("TIME");
	app.add_flag("-e,--events", w.events, "Print every counted call as it arrives, like a trace tool");
	f.histogram_opt = app.add_option("-H,--histogram", f.histogram,
					 "Show a log2 histogram of bytes per call for each kind with calls, "
					 "per interval, or since the start with `cumulative`")
				  ->type_name("[cumulative]")
				  ->expected(0, 1);
	app.add_flag("!--no-delivery", w.delivery,
		     "Leave out what the network did with the bytes (TCP acknowledgements, "
		     "retransmits, connect failures, bytes that left the host): no per-packet probes");
	app.add_flag("!--no-input", w.input,
		     "Leave out the input side (what containers read and receive): the read and "
		     "receive syscalls are not counted at all");
	app.add_option("--top", w.top, "Destinations shown per container in the table")->check(CLI::PositiveNumber);
	app.add_flag("!--no-follow", w.follow,
		     "Do not follow containers across restarts: a target that exits gets its final "
		     "summary, and when none is left bpfwatch exits with 3");
	f.wait_opt = app.add_option("--wait", f.wait,
				    "Wait for a named container that does not run yet, asking once a second "
				    "(for TIME, or without end) instead of failing")
			     ->type_name("[TIME]")
			     ->expected(0, 1);
	app.add_option("--gone-after", f.gone_after,
		       "A followed container that was removed is gone for good when none is created "
		       "under its name within this long; with every target gone and no --duration, "
		       "bpfwatch exits with 3")
		->type_name("TIME");
	app.add_option("--metrics", f.metrics,
		       "Serve Prometheus metrics on /metrics and a health check on /healthz (200 while "
		       "counting, else 503 and why). ADDR defaults to 127.0.0.1: any other (0.0.0.0, [::]) "
		       "must be given; 9477 is the port deploy/ uses. A port in use is an error (exit 2) "
		       "before anything is loaded. Metric names: deploy/metrics.md")
		->type_name("[ADDR:]PORT");
	app.add_option("--metrics-destinations", w.metrics_limits.destinations,
		       "Destinations with series of their own per container; later ones are summed "
		       "under destination=\"other\" (counted in bpfwatch_series_dropped_total)")
		->type_name("N")
		->check(CLI::PositiveNumber);
	app.add_option("--metrics-containers", w.metrics_limits.containers,
		       "Containers with series at most; later ones are left out (counted in "
		       "bpfwatch_series_dropped_total)")
		->type_name("N")
		->check(CLI::PositiveNumber);
}

WatchOptions finish_watch(WatchForm &f)
{
	WatchOptions &w = f.opt;
	w.places = finish_target_options(f.targets, w.targets);
	w.json = f.output == "json";
	w.headless = f.output == "none";
	if (!f.metrics.empty())
		w.metrics = parse_listen_address(f.metrics);
	if (w.headless && !w.metrics)
		throw Error("--output none prints nothing: give --metrics [ADDR:]PORT too");
	if (w.headless && w.events)
		throw Error("--events prints every call; --output none prints nothing");
	// A trace is lines; with no --output a terminal gets the live view.
	if (f.output == "live")
		w.live = WatchOptions::Live::always;
	else if (f.output_opt->count() == 0 && !w.events)
		w.live = WatchOptions::Live::on_terminal;
	if (w.live == WatchOptions::Live::always && w.events)
		throw Error("--events prints every call as a line; the live view (--output live) draws a screen");
	if (f.histogram_opt->count()) {
		if (!f.histogram.empty() && f.histogram != "cumulative" && f.histogram != "interval")
			throw Error("--histogram " + f.histogram + ": give nothing (per interval) or cumulative");
		w.histogram = true;
		w.histogram_cumulative = f.histogram == "cumulative";
	}
	if (!f.duration.empty())
		w.duration = parse_duration(f.duration);
	if (!f.alert_silence.empty())
		w.alert_silence = parse_duration(f.alert_silence);
	w.interval = parse_duration(f.interval);
	w.gone_after = parse_duration(f.gone_after);
	if (f.wait_opt->count()) {
		w.wait.enabled = true;
		if (!f.wait.empty())
			w.wait.limit = parse_duration(f.wait);
	}
	// A trace reads best without reports in between, unless asked.
	if (w.events && f.interval_opt->count() == 0)
		w.interval = std::chrono::milliseconds(0);
	return w;
}

struct CheckForm {
	CheckOptions opt;
	TargetForm targets;
	std::string output = "text", window = "30s";
	bool no_require_ack = false;
	bool require_ack_given = false; // the default anyway
};

void add_check_options(CLI::App &app, CheckForm &f)
{
	CheckOptions &c = f.opt;
	app.footer("Examples:\n"
		   "  bpfwatch check --container log-router --to 198.51.100.7:514 --window 30s\n"
		   "  bpfwatch check -c log-router --output json\n"
		   "Exit status: 0 delivered, 1 not delivered or silent, 2 error.");
	add_target_options(app, c.targets, f.targets, "check");
	app.add_option("--to", c.to, "Only this peer counts: HOST or HOST:PORT ([V6]:PORT), an IP address")
		->type_name("HOST[:PORT]");
	app.add_option("-w,--window", f.window, "How long to watch (500ms, 30s, 5m)")->type_name("TIME");
	app.add_option("--min-bytes", c.min_bytes, "Bytes that must have left the host (and been acknowledged)")
		->check(CLI::PositiveNumber);
	app.add_flag("--no-require-ack", f.no_require_ack,
		     "Count TCP bytes that left the host as delivered even when the peer did not "
		     "acknowledge them (the verdict then says unconfirmed)");
	// The default since acknowledgements are required; kept so that
	// scripts written for earlier versions still run.
	app.add_flag("--require-ack", f.require_ack_given, "Require TCP acknowledgements (the default)")->group("");
	app.add_option("-o,--output", f.output, "Output format")->check(CLI::IsMember({"text", "json"}));
}

CheckOptions finish_check(CheckForm &f)
{
	CheckOptions &c = f.opt;
	c.places = finish_target_options(f.targets, c.targets);
	c.json = f.output == "json";
	c.window = parse_duration(f.window);
	if (f.no_require_ack && f.require_ack_given)
		throw Error("--require-ack and --no-require-ack contradict each other");
	c.require_ack = !f.no_require_ack;
	if (c.targets.containers.size() + c.targets.pods.size() + (c.targets.labels.empty() ? 0 : 1) +
		    c.targets.cgroups.size() + c.targets.pids.size() !=
	    1)
		throw Error("check takes exactly one --container, --pod, --label set, --cgroup or --pid");
	return c;
}

constexpr const char *kListDescription =
	"Every container the runtimes on this host can see: runtime, name (and\n"
	"where the name came from: the runtime, Kubernetes or ECS labels, or the\n"
	"cgroup path when no runtime named it), pod or task, state, main PID, and\n"
	"the cgroup bpfwatch counts it by (path and id); then each runtime asked,\n"
	"and why one did not answer. Runtimes are asked at once, each for at most\n"
	"--timeout. Loads no probes. The first thing to run when a name does not\n"
	"resolve.";

struct ListForm {
	ListCommandOptions opt;
	TargetForm targets;
	std::string output = "table", timeout = "3s";
};

void add_list_options(CLI::App &app, ListForm &f)
{
	app.footer("Examples:\n"
		   "  bpfwatch list\n"
		   "  bpfwatch list --output json --timeout 1s\n"
		   "  bpfwatch list --runtime containerd --containerd-socket /run/k3s/containerd/containerd.sock\n"
		   "Exit status: 0 listed (runtimes that did not answer are named), 2 error.");
	add_runtime_options(app, f.opt.runtimes, f.targets);
	app.add_option("-o,--output", f.output, "Output format: table or json (one object)")
		->check(CLI::IsMember({"table", "json"}));
	app.add_option("--timeout", f.timeout,
		       "How long each runtime may take to answer (its list and the inspects that find "
		       "pids); a runtime that hangs delays the listing by this much")
		->type_name("TIME");
}

ListCommandOptions finish_list(ListForm &f)
{
	finish_runtime_options(f.targets, f.opt.runtimes);
	f.opt.json = f.output == "json";
	f.opt.timeout = parse_duration(f.timeout);
	if (f.opt.timeout.count() <= 0)
		throw Error("--timeout " + f.timeout + ": must be more than 0");
	return f.opt;
}

void set_defaults(CLI::App &app)
{
	// A setting given twice takes the last, as in most tools: wrappers
	// (scripts/run --demo) put defaults first and the user's after.
	app.option_defaults()->always_capture_default()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

} // namespace

CommandLine parse_command_line(int argc, char **argv)
{
	CommandLine cl;
	CLI::App app(kDescription, "bpfwatch");
	app.footer(kFooter);
	app.set_version_flag("--version", BPFWATCH_VERSION);
	set_defaults(app);
	app.require_subcommand(0, 1);
	app.add_flag("-v,--verbose", cl.verbosity, "More logging (repeat for libbpf's debug log)");
	WatchForm watch;
	add_watch_options(app, watch);

	CLI::App *check_app = app.add_subcommand("check", kCheckDescription);
	set_defaults(*check_app);
	check_app->add_flag("-v,--verbose", cl.verbosity, "More logging (repeat for libbpf's debug log)");
	CheckForm check;
	add_check_options(*check_app, check);

	CLI::App *list_app = app.add_subcommand("list", kListDescription);
	set_defaults(*list_app);
	list_app->add_flag("-v,--verbose", cl.verbosity, "More logging");
	ListForm list;
	add_list_options(*list_app, list);

	try {
		app.parse(argc, argv);
		if (check_app->parsed())
			cl.command = finish_check(check);
		else if (list_app->parsed())
			cl.command = finish_list(list);
		else
			cl.command = finish_watch(watch);
	} catch (const CLI::CallForHelp &) {
		std::cout << (check_app->parsed() ? check_app->help() : list_app->parsed() ? list_app->help() : app.help());
		cl.command = ExitNow{kExitOk};
	} catch (const CLI::CallForVersion &) {
		std::cout << "bpfwatch " << BPFWATCH_VERSION << "\n";
		cl.command = ExitNow{kExitOk};
	} catch (const CLI::ParseError &e) {
		std::cerr << "bpfwatch: " << e.what() << " (see bpfwatch --help)\n";
		cl.command = ExitNow{kExitError};
	} catch (const Error &e) {
		std::cerr << "bpfwatch: " << e.what() << "\n";
		cl.command = ExitNow{kExitError};
	}
	return cl;
}

} // namespace bpfwatch

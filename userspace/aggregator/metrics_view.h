// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// What the metrics exporter shows of a summary Report, decided here and
// printed by output/prometheus: the label values that name a container,
// which containers and destinations get series of their own, and what is
// summed under destination="other". Plain values: a MetricsView outlives
// the Report it was made from (the exporter's thread renders it).
//
// Cardinality is bounded, and no counter ever goes down. A container gets
// series while fewer than `containers` have them; each of its destination
// label values gets its own while fewer than `destinations` have them;
// both stay for as long as the container is in the reports (biggest first
// when several arrive in one report). Whatever comes later is summed
// under destination="other" (a container: left out), and every one counts
// once in series_dropped. A ranking redone at every scrape would move a
// destination in and out of `other`, and `other`'s counters would go down.
// TCP peers that only ever connected to the container (the remote side
// of accepted connections: clients on ephemeral ports) go to `other`
// without taking a place, and are not counted as dropped.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "aggregator/report.h"
#include "aggregator/window.h"
#include "net/locality.h"

namespace bpfwatch {

struct MetricsLimits {
	std::size_t destinations = 10; // destination label values per container
	std::size_t containers = 500;
};

// The labels every per-container series carries. Adding one means adding
// it here, in container_labels(), and in the printer's one label writer.
// pod, namespace and task add no series of their own: a container is in
// one pod or task for its life, and container_id already changes with
// every new one (cardinality: deploy/metrics.md).
struct ContainerLabels {
	std::string container;    // the runtime's name; the cgroup path when not a container
	std::string runtime;      // docker, podman, containerd, crio, cri, cgroup
	std::string container_id; // "" when not a container
	std::string pod;          // Kubernetes pod; "" when none (the label is then left out)
	std::string pod_namespace; // its namespace: the `namespace` label
	std::string task;         // ECS task id (the ARN's last part); "" when none

	auto operator<=>(const ContainerLabels &) const = default;
};

// Target::runtime as the metric label: "cri-o" is "crio", and what is not
// a container runtime ("pid", "cgroup", unknown) is "cgroup".
std::string_view runtime_label(std::string_view runtime);
ContainerLabels container_labels(const Target &t);

inline constexpr const char *kOtherDestination = "other";

// bpfwatch_send_bytes_total: one per (destination, proto, locality).
struct SendSeries {
	std::string destination; // Endpoint::host_port(), or "other"
	std::string proto;       // Endpoint::proto_name()
	Locality locality = Locality::unknown;
	std::uint64_t bytes = 0;
};

// The per-destination delivery series: one per destination label value.
struct PeerSeries {
	std::string destination;
	bool tcp = false; // the delivery probe saw TCP to it: acked and retransmits apply
	std::uint64_t acked_bytes = 0;
	std::uint64_t retransmits = 0;
	std::map<int, std::uint64_t> connect_failures; // errno (0: abandoned) -> connects
	std::uint64_t last_send_ns = 0;                 // CLOCK_MONOTONIC; 0: none succeeded
};

// bpfwatch_write_size_bytes' bucket bounds, the same for every series so
// that buckets sum across containers: powers of 4 from 16 B to 1 MiB. Each
// is a bound of the kernel's log2 buckets, so the counts stay exact; the
// resolution is 4x, and a histogram is 12 series, not 35.
inline constexpr std::array<std::uint64_t, 9> kSizeBounds = {16,    64,     256,    1024,   4096,
							     16384, 65536, 262144, 1048576};
// The kinds that get one: what reaches the log, what goes to sockets and
// to files. pipe and stdio are mostly the log's calls again; tty and
// other rarely matter; each histogram is 12 series per container.
bool size_histogram_exported(WriteView v);

struct SizeSeries {
	std::array<std::uint64_t, kSizeBounds.size()> cumulative{}; // calls of at most each bound
	std::uint64_t count = 0;                                      // every successful call (+Inf)
	std::uint64_t sum = 0;                                        // their bytes, exactly

	// From the kernel's log2 buckets (bucket k holds 2^(k-1) < v <= 2^k).
	static SizeSeries of(const Log2Histogram &h);
	SizeSeries &operator+=(const SizeSeries &o);
};

struct ContainerMetrics {
	ContainerLabels labels;
	bool log_known = false;                              // its log pipes were found
	std::array<Counts, kAllWriteViews.size()> counts{}; // exact, by WriteView
	std::array<InputCounts, kFdKinds> input{};          // exact: the input side, by fd kind
	// From the records (short by lost records): errnos by view, sizes of
	// the views size_histogram_exported() names.
	std::map<WriteView, std::map<int, std::uint64_t>> errnos;
	std::map<WriteView, SizeSeries> sizes;
	std::vector<SendSeries> sends;                       // by (destination, proto, locality)
	std::vector<PeerSeries> peers;                       // by destination
	std::uint64_t left_host_bytes = 0;                   // delivery_totals()
	std::uint64_t lost_records = 0;
	std::uint64_t restarts = 0;

	const Counts &view(WriteView v) const { return counts[static_cast<std::size_t>(v)]; }
};

struct MetricsView {
	std::uint64_t now_ns = 0;                // CLOCK_MONOTONIC of the report
	bool delivery = false;                   // the delivery probe runs: left_host applies
	std::vector<ContainerMetrics> containers; // by labels
	// bpfwatch_container_restarts_total has no container_id (a restarted
	// Kubernetes container gets a new one): by its labels without it.
	std::map<ContainerLabels, std::uint64_t> restarts;
	// bounded kernel map -> times it was full: "totals" always, the
	// delivery probe's "sockets", "peers", "errors", "egress" when it runs;
	// "destinations": sends past the model's per-container destination
	// bound (their bytes are summed under destination="other").
	std::map<std::string, std::uint64_t> map_full;
	// The programs bpfwatch runs without (Report::degraded).
	std::set<std::string> degraded;
	std::uint64_t series_dropped = 0; // cumulative
};

// The sticky choice of who gets series; one per exporter, fed every
// summary in turn: whole (view), or target by target (begin, add, finish)
// so that no report of every window exists at once.
class MetricsBudget {
public:
	explicit MetricsBudget(MetricsLimits limits = {}) : limits_(limits) {}

	MetricsView view(const Report &summary);

	// A summary's header (its targets are not looked at), each target,
	// then the view.
	void begin(const Report &frame);
	void add(const TargetReport &tr);
	MetricsView finish();

private:
	struct Admitted {
		std::set<std::string> own; // destination label values with series of their own
		std::size_t folded = 0;    // most label values ever summed into `other`
		std::uint64_t overflow_records = 0; // most records past the model's destination bound
	};
	// One destination label value of a container, before the cap folds it.
	struct Destination {
		bool accepted = true;    // every endpoint behind it is an accepted peer
		std::uint64_t bytes = 0; // sent: who gets a place first
		std::map<std::pair<std::string, Locality>, std::uint64_t> sends; // (proto, locality) -> bytes
		std::optional<PeerSeries> peer;
	};
	// Every cgroup that carries one label set, gathered.
	struct Gathered {
		ContainerMetrics m; // sends and peers empty until finish()
		std::uint64_t bytes_written = 0;
		std::map<std::string, Destination> destinations;
		std::map<std::string, std::uint64_t> overflow; // proto -> bytes past the model's bound
		std::uint64_t overflow_records = 0;            // their records
	};

	void fold_destinations(Gathered &g, Admitted &adm);

	MetricsLimits limits_;
	std::map<ContainerLabels, Admitted> admitted_;
	std::set<ContainerLabels> left_out_;
	std::uint64_t dropped_ = 0;
	std::uint64_t overflow_records_ = 0; // map_full["destinations"], cumulative
	MetricsView pending_;                         // the header, between begin() and finish()
	std::map<ContainerLabels, Gathered> gathered_; // likewise
};

} // namespace bpfwatch

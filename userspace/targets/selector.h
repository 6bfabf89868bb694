// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// What the user selects containers by: a name, a pod, labels. Matching is
// a pure function of (selector, listed containers), so a selector can be
// evaluated again on a later list (following a container across restarts)
// and tested on fixtures.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "targets/container_source.h"

namespace bpfwatch {

struct Selector {
	enum class Kind { container, pod, labels };
	Kind kind = Kind::container;
	std::string text;          // as given, for messages
	std::string container;     // container: name/id/prefix; pod: the optional CONTAINER
	std::string pod_namespace; // pod
	std::string pod;           // pod
	std::vector<std::pair<std::string, std::string>> labels; // labels: all must match

	// "container 'web'", "pod shop/web-0", "pod shop/web-0 container nginx",
	// "labels app=web,tier=log".
	std::string describe() const;
};

// Parsers; each throws Error with a one-line reason on bad input.
Selector container_selector(const std::string &query); // a leading '/' is dropped
Selector pod_selector(const std::string &text);        // NAMESPACE/POD[/CONTAINER]
Selector label_selector(const std::vector<std::string> &pairs); // each KEY=VALUE

// The containers in `running` that `sel` selects; never a sandbox.
//   container: an exact id, else an exact runtime name, else the one
//     Kubernetes or ECS container name, else the one id starting with it;
//     a name or prefix that fits several is an Error listing them with
//     their runtime and pod or task. At most one result.
//   pod: every container of the pod (or the named one).
//   labels: every container carrying all the pairs.
// Empty when none; see no_match_message.
std::vector<const ContainerSummary *> match_selector(const Selector &sel,
						     const std::vector<ContainerSummary> &running);

// One line for a selector that matched nothing, naming what there is:
// "no running container named 'x' (running: a, b)",
// "no running pod shop/web-9 (pods: shop/web-0, kube-system/dns)", ...
std::string no_match_message(const Selector &sel, const std::vector<ContainerSummary> &running);

// "nginx (containerd, pod shop/web-0)", "curl (docker, task 8f03e4...)",
// "web (docker)": how a candidate is named in messages.
std::string describe_candidate(const ContainerSummary &c);

} // namespace bpfwatch

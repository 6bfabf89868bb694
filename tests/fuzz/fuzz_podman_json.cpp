// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// What the podman CLI prints when there is no API socket: `podman inspect
// --type container` (an array) and `podman ps --format json`.
#include "fuzz.h"
#include "targets/docker.h"
#include "targets/orchestration.h"
#include "targets/podman_cli.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	using namespace bpfwatch;
	std::string_view json = fuzz::text_of(data, size);
	fuzz::rejecting([&] { (void)parse_podman_inspect(json); });
	fuzz::rejecting([&] {
		for (const ContainerSummary &c : parse_container_list(json))
			(void)display_name(c);
	});
	return 0;
}

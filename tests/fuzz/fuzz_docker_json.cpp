// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The Docker Engine API's answers (Podman's compatible socket gives the
// same): GET /containers/json, GET /containers/{id}/json, an error body;
// and the names and pods bpfwatch makes of a listed container's labels.
#include "fuzz.h"
#include "targets/docker.h"
#include "targets/orchestration.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	using namespace bpfwatch;
	std::string_view json = fuzz::text_of(data, size);
	fuzz::rejecting([&] {
		for (const ContainerSummary &c : parse_container_list(json)) {
			(void)display_name(c);
			(void)name_source(c);
		}
	});
	fuzz::rejecting([&] { (void)parse_container_inspect(json); });
	fuzz::rejecting([&] { (void)parse_api_error(json); });
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// CRI-O's inspect API on its socket: GET /info and GET /containers/{id}.
#include "fuzz.h"
#include "targets/crio.h"
#include "targets/orchestration.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	using namespace bpfwatch;
	std::string_view json = fuzz::text_of(data, size);
	fuzz::rejecting([&] { (void)parse_crio_info(json); });
	fuzz::rejecting([&] {
		ContainerSummary c = parse_crio_container(json, "0123456789ab");
		(void)display_name(c);
		(void)name_source(c);
	});
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A ring-buffer record: one CPU's batch of bw_rec records and their parts
// (bpf/bpfwatch.h), decoded as the probe's reader does, each destination
// spelled as the printers spell it.
#include "fuzz.h"
#include "probe/records.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	using namespace bpfwatch;
	std::size_t seen = 0;
	std::size_t n = decode_batch(data, size, [&](const Record &r) {
		seen++;
		(void)r.endpoint.to_string();
	});
	fuzz::require(n == seen, "every decoded record is handed up once");
	fuzz::require(n <= size / sizeof(bw_rec), "a record is at least a bw_rec");
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "probe/records.h"

#include <cstring>

namespace bpfwatch {

std::size_t decode_batch(const void *data, std::size_t size, const std::function<void(const bw_event &)> &each)
{
	const auto *p = static_cast<const std::uint8_t *>(data);
	std::size_t off = 0, n = 0;
	bw_dest last_dest{}; // what BW_REC_SAME_DEST refers to
	while (size - off >= sizeof(bw_rec)) {
		bw_rec rec;
		std::memcpy(&rec, p + off, sizeof(rec));
		std::size_t len = BW_REC_SIZE(rec.parts);
		if (size - off < len)
			break;
		const std::uint8_t *part = p + off + sizeof(rec);
		bw_event e{};
		e.cgroup_id = rec.cgroup_id;
		e.ret = rec.ret;
		e.syscall = rec.syscall;
		e.kind = rec.kind;
		if (rec.parts & BW_REC_TRACE) {
			bw_rec_trace t;
			std::memcpy(&t, part, sizeof(t));
			part += sizeof(t);
			e.ts_ns = t.ts_ns;
			e.pid = t.pid;
			e.tid = t.tid;
			e.fd = t.fd;
			std::memcpy(e.comm, t.comm, sizeof(e.comm));
		}
		if (rec.parts & BW_REC_DEST)
			std::memcpy(&last_dest, part, sizeof(last_dest));
		if (rec.parts & (BW_REC_DEST | BW_REC_SAME_DEST))
			e.dest = last_dest;
		off += len;
		n++;
		each(e);
	}
	return n;
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "probe/records.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace bpfwatch {

// The C++ enums are the ABI's, value for value.
static_assert(static_cast<int>(FdKind::pipe) == BW_KIND_PIPE && static_cast<int>(FdKind::file) == BW_KIND_FILE &&
	      static_cast<int>(FdKind::socket) == BW_KIND_SOCKET && static_cast<int>(FdKind::tty) == BW_KIND_TTY &&
	      static_cast<int>(FdKind::other) == BW_KIND_OTHER && kFdKinds == BW_KIND_MAX);
static_assert(static_cast<int>(Syscall::write) == BW_SYS_WRITE &&
	      static_cast<int>(Syscall::sendfile64) == BW_SYS_SENDFILE64 &&
	      static_cast<int>(Syscall::read) == BW_SYS_FIRST_INPUT &&
	      static_cast<int>(Syscall::recvmmsg) == BW_SYS_RECVMMSG && kSyscalls == BW_SYS_MAX);
static_assert(Endpoint::kPathBytes == BW_UNIX_PATH_LEN);
static_assert(sizeof(Record{}.comm) == BW_COMM_LEN);

Endpoint endpoint_of(const bw_dest &d)
{
	if (d.family == AF_INET || d.family == AF_INET6)
		return Endpoint::ip(d.family, d.proto, d.addr, d.port);
	if (d.family == AF_UNIX)
		return Endpoint::unix_socket(d.sotype, d.path, sizeof(d.path));
	if (d.family == 0)
		return Endpoint{};
	return Endpoint::other(d.family, d.sotype);
}

Endpoint endpoint_of(const bw_peer &p)
{
	return Endpoint::ip(p.family, p.proto, p.addr, p.port);
}

std::size_t decode_batch(const void *data, std::size_t size, const std::function<void(const Record &)> &each)
{
	const auto *p = static_cast<const std::uint8_t *>(data);
	std::size_t off = 0, n = 0;
	Endpoint last[2]; // what BW_REC_SAME_DEST refers to, per Direction
	while (size - off >= sizeof(bw_rec)) {
		bw_rec rec;
		std::memcpy(&rec, p + off, sizeof(rec));
		std::size_t len = BW_REC_SIZE(rec.parts);
		if (size - off < len)
			break;
		const std::uint8_t *part = p + off + sizeof(rec);
		Record r;
		r.cgroup_id = rec.cgroup_id;
		r.ret = rec.ret;
		if (rec.syscall >= BW_SYS_MAX)
			break; // not a record this decoder knows: the rest is unreadable
		r.syscall = static_cast<Syscall>(rec.syscall);
		r.kind = static_cast<FdKind>(rec.kind);
		r.stdio = rec.views & BW_VIEW_STDIO;
		r.log = rec.views & BW_VIEW_LOG;
		if (rec.parts & BW_REC_TRACE) {
			bw_rec_trace t;
			std::memcpy(&t, part, sizeof(t));
			part += sizeof(t);
			r.ts_ns = t.ts_ns;
			r.pid = t.pid;
			r.tid = t.tid;
			r.fd = t.fd;
			std::memcpy(r.comm.data(), t.comm, sizeof(t.comm));
		}
		if (rec.parts & BW_REC_DEST) {
			bw_dest d;
			std::memcpy(&d, part, sizeof(d));
			last[r.input()] = endpoint_of(d);
		}
		if (rec.parts & (BW_REC_DEST | BW_REC_SAME_DEST))
			r.endpoint = last[r.input()];
		off += len;
		n++;
		each(r);
	}
	return n;
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "aggregator/window.h"

#include <netinet/in.h>
#include <sys/socket.h>

namespace bpfwatch {

const Counts &Window::view(WriteView v) const
{
	switch (v) {
	case WriteView::stdio:
		return stdio;
	case WriteView::log:
		return log;
	default:
		return by_kind[static_cast<std::size_t>(v)];
	}
}

Counts Window::total() const
{
	Counts sum;
	for (const Counts &c : by_kind)
		sum += c;
	return sum;
}

Counts Window::overflowed() const
{
	Counts sum;
	for (const auto &[proto, c] : overflow_by_proto)
		sum += c;
	return sum;
}

bool Window::active() const
{
	return records || total().any() || !delivery.empty() || input.active();
}

InputCounts InputWindow::total() const
{
	InputCounts sum;
	for (const InputCounts &c : by_kind)
		sum += c;
	return sum;
}

bool ends_stream(const Record &r)
{
	if (r.ret != 0)
		return false;
	if (r.kind == FdKind::pipe)
		return true;
	if (r.kind != FdKind::socket)
		return false;
	const Endpoint &e = r.endpoint;
	return e.is_ip() ? e.proto == IPPROTO_TCP : e.sotype != SOCK_DGRAM;
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "aggregator/window.h"

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
	return records || total().any() || !delivery.empty();
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "aggregator/window.h"

namespace bpfwatch {

Counts Window::total() const
{
	Counts sum;
	for (const Counts &c : by_kind)
		sum += c;
	return sum;
}

bool Window::active() const
{
	return records || total().any() || !delivery.empty();
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "aggregator/window.h"

namespace bpfwatch {

Counts &Counts::operator+=(const Counts &o)
{
	bytes += o.bytes;
	calls += o.calls;
	errors += o.errors;
	return *this;
}

Counts Counts::operator-(const Counts &o) const
{
	return {bytes - o.bytes, calls - o.calls, errors - o.errors};
}

Counts Window::total() const
{
	Counts sum;
	for (const Counts &c : by_kind)
		sum += c;
	return sum;
}

} // namespace bpfwatch

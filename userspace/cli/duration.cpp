// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "cli/duration.h"

#include <cmath>
#include <cstdlib>

#include "util/error.h"

namespace bpfwatch {

std::chrono::milliseconds parse_duration(const std::string &text)
{
	const char *begin = text.c_str();
	char *end = nullptr;
	double value = std::strtod(begin, &end);
	std::string unit(end);
	double scale = 0;

	if (end == begin || !std::isfinite(value) || value < 0)
		throw Error("invalid duration '" + text + "' (examples: 500ms, 5s, 2m, 1h)");
	if (unit.empty() || unit == "s")
		scale = 1000;
	else if (unit == "ms")
		scale = 1;
	else if (unit == "m" || unit == "min")
		scale = 60 * 1000;
	else if (unit == "h")
		scale = 3600 * 1000;
	else
		throw Error("invalid duration '" + text + "': unknown unit '" + unit + "' (use ms, s, m or h)");
	return std::chrono::milliseconds(std::llround(value * scale));
}

} // namespace bpfwatch

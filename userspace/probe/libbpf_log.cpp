// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "probe/libbpf_log.h"

#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace bpfwatch {
namespace {

// Whole: a verifier log runs to many KiB and says why at its end.
std::string format(const char *fmt, va_list args)
{
	va_list copy;
	va_copy(copy, args);
	int n = std::vsnprintf(nullptr, 0, fmt, copy);
	va_end(copy);
	std::string line(n > 0 ? static_cast<std::size_t>(n) + 1 : 1, '\0');
	n = std::vsnprintf(line.data(), line.size(), fmt, args);
	line.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
	while (!line.empty() && line.back() == '\n')
		line.pop_back();
	return line;
}

int print_to_spdlog(enum libbpf_print_level level, const char *fmt, va_list args)
{
	std::string line = format(fmt, args);
	switch (level) {
	case LIBBPF_WARN:
		spdlog::debug("libbpf: {}", line); // main() reports the failure itself
		break;
	case LIBBPF_INFO:
		spdlog::debug("libbpf: {}", line);
		break;
	default:
		spdlog::trace("libbpf: {}", line);
		break;
	}
	return static_cast<int>(line.size());
}

// The live capture's lines, and the printer it passes each message on to.
std::vector<std::string> *captured = nullptr;
libbpf_print_fn_t passed_on = nullptr;

int print_captured(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_WARN && captured) {
		va_list copy;
		va_copy(copy, args);
		captured->push_back(format(fmt, copy));
		va_end(copy);
	}
	return passed_on ? passed_on(level, fmt, args) : 0;
}

// "libbpf: prog 'NAME': REST" -> NAME and REST.
bool split_prog_line(const std::string &line, std::string &name, std::string &rest)
{
	auto at = line.find("prog '");
	if (at == std::string::npos)
		return false;
	auto end = line.find("': ", at + 6);
	if (end == std::string::npos)
		return false;
	name = line.substr(at + 6, end - at - 6);
	rest = line.substr(end + 3);
	return true;
}

} // namespace

void route_libbpf_log_to_spdlog()
{
	libbpf_set_print(print_to_spdlog);
}

// Loads run on one thread, one at a time: one capture lives at a time.
LibbpfLoadCapture::LibbpfLoadCapture()
{
	captured = &lines_;
	passed_on = libbpf_set_print(print_captured);
}

LibbpfLoadCapture::~LibbpfLoadCapture()
{
	libbpf_set_print(passed_on);
	captured = nullptr;
	passed_on = nullptr;
}

// libbpf 1.x says "prog 'NAME': failed to load: -ERR" for the program the
// load stopped at, after "prog 'NAME': -- BEGIN PROG LOAD LOG --" with the
// verifier's log when the verifier ran.
std::optional<ProgramLoadFailure> LibbpfLoadCapture::failure() const
{
	static const std::string kFailed = "failed to load: ";
	static const std::string kBegin = "-- BEGIN PROG LOAD LOG --";
	static const std::string kEnd = "-- END PROG LOAD LOG --";
	std::optional<ProgramLoadFailure> out;
	std::string name, rest;
	for (const std::string &line : lines_) {
		if (!split_prog_line(line, name, rest))
			continue;
		if (rest.compare(0, kFailed.size(), kFailed) == 0) {
			out = ProgramLoadFailure{name, std::abs(std::atoi(rest.c_str() + kFailed.size())), ""};
			break;
		}
	}
	if (!out)
		return out;
	for (const std::string &line : lines_) {
		if (!split_prog_line(line, name, rest) || name != out->program ||
		    rest.compare(0, kBegin.size(), kBegin) != 0)
			continue;
		std::string log = rest.substr(kBegin.size());
		if (auto end = log.rfind(kEnd); end != std::string::npos)
			log.resize(end);
		while (!log.empty() && (log.front() == '\n'))
			log.erase(0, 1);
		while (!log.empty() && (log.back() == '\n'))
			log.pop_back();
		out->verifier_log = log;
	}
	return out;
}

} // namespace bpfwatch

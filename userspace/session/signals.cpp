// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "session/signals.h"

#include <csignal>

namespace bpfwatch {
namespace {

volatile std::sig_atomic_t g_stop = 0;

void on_stop_signal(int)
{
	g_stop = 1;
}

} // namespace

void install_stop_signals()
{
	struct sigaction sa {};
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, nullptr);
	sigaction(SIGTERM, &sa, nullptr);
	// A closed stdout (| head) is an end, not a crash.
	std::signal(SIGPIPE, SIG_IGN);
}

bool stop_requested()
{
	return g_stop != 0;
}

} // namespace bpfwatch

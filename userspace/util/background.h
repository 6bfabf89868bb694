// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// One thread that runs jobs in the order they were posted, so that a slow
// call (a container runtime that hangs until its timeout) never holds up
// the thread that posted it, nor its exit: the destructor does not wait
// for a job that is running, and drops the ones that did not start. So a
// job must own (shared_ptr) everything it touches, and must not throw.
#pragma once

#include <functional>
#include <memory>

namespace bpfwatch {

class Background {
public:
	Background();
	~Background();
	Background(const Background &) = delete;
	Background &operator=(const Background &) = delete;

	void post(std::function<void()> job);

private:
	struct Queue;
	std::shared_ptr<Queue> queue_;
};

} // namespace bpfwatch

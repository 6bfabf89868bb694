// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "util/background.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace bpfwatch {

struct Background::Queue {
	std::mutex mu;
	std::condition_variable wake;
	std::deque<std::function<void()>> jobs;
	bool stop = false;
};

Background::Background() : queue_(std::make_shared<Queue>())
{
	std::thread([q = queue_] {
		std::unique_lock lock(q->mu);
		for (;;) {
			q->wake.wait(lock, [&] { return q->stop || !q->jobs.empty(); });
			if (q->stop)
				return;
			auto job = std::move(q->jobs.front());
			q->jobs.pop_front();
			lock.unlock();
			job();
			lock.lock();
		}
	}).detach();
}

Background::~Background()
{
	{
		std::lock_guard lock(queue_->mu);
		queue_->stop = true;
		queue_->jobs.clear();
	}
	queue_->wake.notify_all();
}

void Background::post(std::function<void()> job)
{
	{
		std::lock_guard lock(queue_->mu);
		queue_->jobs.push_back(std::move(job));
	}
	queue_->wake.notify_one();
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A container runtime made of parsed fixtures, for the resolver and namer.
#pragma once

#include <chrono>
#include <map>
#include <thread>

#include "targets/container_source.h"
#include "util/error.h"

namespace bpfwatch::test {

class FakeSource : public ContainerSource {
public:
	explicit FakeSource(std::vector<ContainerSummary> running, std::string runtime = "docker")
		: running_(std::move(running)), runtime_(std::move(runtime))
	{
	}

	const std::string &runtime() const override { return runtime_; }

	std::vector<ContainerSummary> list_running() override
	{
		list_calls++;
		std::this_thread::sleep_for(delay);
		if (!failure.empty())
			throw Error(failure);
		return running_;
	}

	std::optional<ContainerDetails> inspect(const std::string &id_or_name) override
	{
		inspect_calls++;
		if (!failure.empty())
			throw Error(failure);
		auto it = details.find(id_or_name);
		if (it == details.end())
			return std::nullopt;
		return it->second;
	}

	std::vector<ContainerSummary> running_;
	std::map<std::string, ContainerDetails> details; // by id and by name
	std::string failure; // non-empty: every call throws this
	std::chrono::milliseconds delay{0}; // each list takes this long
	int list_calls = 0;
	int inspect_calls = 0;

private:
	std::string runtime_;
};

} // namespace bpfwatch::test

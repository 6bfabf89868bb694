// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A throwaway network namespace standing in for a host whose network is
// not this machine's (no default route, addresses on the usual test
// ranges), so tests can build their test networks "on" it. Only the
// calling thread enters it: processes it starts (popen, fork) inherit it.
// The namespace and everything in it go on destruction.
#pragma once

#include <string>
#include <vector>

namespace bpfwatch::test {

class ScratchNetns {
public:
	// Runs each of @setup inside the new namespace (`ip netns exec`);
	// throws std::runtime_error, leaving nothing behind, if one fails.
	ScratchNetns(std::string name, const std::vector<std::string> &setup);
	~ScratchNetns();
	ScratchNetns(const ScratchNetns &) = delete;
	ScratchNetns &operator=(const ScratchNetns &) = delete;

	const std::string &name() const { return name_; }
	// Output of @cmd run inside the namespace (stderr too); throws when
	// it fails.
	std::string exec(const std::string &cmd) const;

	// Runs @fn with the calling thread inside the namespace, then returns
	// the thread to the namespace it was in.
	template <typename F>
	auto inside(F fn)
	{
		int home = enter();
		struct Leave {
			int home;
			~Leave() { ScratchNetns::leave(home); }
		} leave{home};
		return fn();
	}

private:
	int enter();
	static void leave(int home);

	std::string name_;
};

} // namespace bpfwatch::test

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "probe/preflight.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>

#include "util/error.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

namespace bpfwatch {
namespace {

bool has_effective_cap(int cap)
{
	__user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
	__user_cap_data_struct data[2]{};

	if (syscall(SYS_capget, &hdr, data) != 0)
		throw Error(errno_message("capget", errno));
	return data[cap / 32].effective & (1u << (cap % 32));
}

void check_capabilities()
{
	if (has_effective_cap(CAP_SYS_ADMIN))
		return;
	std::string missing;
	if (!has_effective_cap(CAP_BPF))
		missing = "CAP_BPF";
	if (!has_effective_cap(CAP_PERFMON))
		missing += (missing.empty() ? "" : " and ") + std::string("CAP_PERFMON");
	if (missing.empty())
		return;
	throw Error("missing " + missing + ": loading the probes needs CAP_BPF and CAP_PERFMON "
		    "(or CAP_SYS_ADMIN); run as root: sudo bpfwatch ...");
}

std::string kernel_release()
{
	utsname u{};
	uname(&u);
	return u.release;
}

} // namespace

void check_kernel_btf(const std::string &path)
{
	if (access(path.c_str(), R_OK) != 0)
		throw Error("kernel BTF not found at " + path + ": Linux " + kernel_release() +
			    " was built without CONFIG_DEBUG_INFO_BTF=y, which bpfwatch's CO-RE probes need");
	std::unique_ptr<btf, decltype(&btf__free)> vmlinux(btf__parse(path.c_str(), nullptr), btf__free);
	if (!vmlinux)
		throw Error(errno_message("read kernel BTF " + path, errno));
	// The oldest build of the hot path (kread.bpf.h's BW_COMPAT) needs
	// bpf_loop (Linux 5.17) for sendmmsg, and so the ring buffer (5.8).
	if (btf__find_by_name_kind(vmlinux.get(), "bpf_loop", BTF_KIND_FUNC) < 0)
		throw Error("Linux " + kernel_release() + " is too old for bpfwatch: it needs 5.17 or newer (bpf_loop)");
}

bool has_net_admin()
{
	return has_effective_cap(CAP_NET_ADMIN) || has_effective_cap(CAP_SYS_ADMIN);
}

void check_can_load_probes()
{
	check_capabilities();
	check_kernel_btf("/sys/kernel/btf/vmlinux");
}

} // namespace bpfwatch

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// containerd's state: a task bundle's config.json (the OCI spec, its
// linux.cgroupsPath in either form), and the ctr CLI's answers (`containers
// info` JSON, `tasks ls` and `namespaces ls -q` tables).
#include "fuzz.h"
#include "targets/containerd.h"
#include "targets/orchestration.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	using namespace bpfwatch;
	std::string_view text = fuzz::text_of(data, size);
	fuzz::rejecting([&] {
		OciSpec spec = parse_oci_spec(text);
		(void)cgroup_path_from_oci(spec.cgroups_path);
		(void)display_name(containerd_summary("k8s.io", "fuzz", spec.annotations, 1, "running"));
	});
	fuzz::rejecting([&] {
		CtrContainerInfo info = parse_ctr_container_info(text);
		(void)cgroup_path_from_oci(info.spec.cgroups_path);
		(void)display_name(containerd_summary("default", info.id, info.labels, 0, "stopped", info.image));
	});
	fuzz::rejecting([&] { (void)parse_ctr_tasks(text); });
	fuzz::rejecting([&] { (void)parse_ctr_namespaces(text); });
	// The path as given (a bundle's spec may hold anything there).
	fuzz::rejecting([&] { (void)cgroup_path_from_oci(text); });
	return 0;
}

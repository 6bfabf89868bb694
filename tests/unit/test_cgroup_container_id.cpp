// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Container ids from cgroup paths, for every runtime shape bpfwatch knows.
#include <gtest/gtest.h>

#include "targets/container_id.h"

namespace bpfwatch {
namespace {

const std::string kId = "3291a8c60a29e8b760f7d53ee3be573a75e05281af5421aa969fbff6b275414d";
const std::string kInner = "f65d398f1464f547bd1755aaca82484b6088c8599cd75dd6be2de44c01b2fc80";

void expect_ref(const std::string &path, const std::string &runtime, const std::string &id)
{
	auto ref = container_from_cgroup_path(path);
	ASSERT_TRUE(ref) << path;
	EXPECT_EQ(ref->runtime, runtime) << path;
	EXPECT_EQ(ref->id, id) << path;
}

TEST(ContainerId, Docker)
{
	expect_ref("/docker/" + kId, "docker", kId);
	expect_ref("/system.slice/docker-" + kId + ".scope", "docker", kId);
	// Docker in docker: the innermost container is the one writing.
	expect_ref("/docker/" + kId + "/docker/" + kInner, "docker", kInner);
}

TEST(ContainerId, Podman)
{
	expect_ref("/machine.slice/libpod-" + kId + ".scope", "podman", kId);
	expect_ref("/machine.slice/libpod-" + kId + ".scope/container", "podman", kId);
	expect_ref("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + kId +
			   ".scope",
		   "podman", kId);
	expect_ref("/libpod_parent/libpod-" + kId, "podman", kId);
	expect_ref("/libpod_parent/" + kId, "podman", kId);
}

TEST(ContainerId, ContainerdAndKubernetes)
{
	expect_ref("/system.slice/cri-containerd-" + kId + ".scope", "containerd", kId);
	expect_ref("/kubepods.slice/kubepods-burstable.slice/"
		   "kubepods-burstable-pod0f2c8a1e_5b7d_4c3e_9a8f_1d2e3f4a5b6c.slice/"
		   "cri-containerd-" + kId + ".scope",
		   "containerd", kId);
	expect_ref("/kubepods/burstable/pod0f2c8a1e-5b7d-4c3e-9a8f-1d2e3f4a5b6c/" + kId, "cri", kId);
	expect_ref("/kubepods/pod0f2c8a1e-5b7d-4c3e-9a8f-1d2e3f4a5b6c/" + kId, "cri", kId);
	expect_ref("/kubepods.slice/kubepods-besteffort.slice/"
		   "kubepods-besteffort-pod0f2c8a1e_5b7d_4c3e_9a8f_1d2e3f4a5b6c.slice/docker-" + kId +
			   ".scope",
		   "docker", kId);
	// containerd's cgroupfs default "/<namespace>/<id>" for the CRI namespace
	expect_ref("/k8s.io/" + kId, "containerd", kId);
}

TEST(ContainerId, Crio)
{
	expect_ref("/kubepods.slice/kubepods-pod1.slice/crio-" + kId + ".scope", "crio", kId);
	expect_ref("/machine.slice/crio-" + kId + ".scope", "crio", kId);
	// The cgroupfs manager (cadvisor's container/crio/handler_test.go)
	expect_ref("/kubepods/pod068e8fa0-9213-11e7-a01f-507b9d4141fa/crio-" + kId, "crio", kId);
}

TEST(ContainerId, NotContainers)
{
	for (std::string path : {
		     std::string("/"),
		     std::string(""),
		     std::string("/system.slice/ssh.service"),
		     std::string("/docker"),
		     std::string("/user.slice/user-0.slice/session-1.scope"),
		     // Runtime monitors are not the container.
		     "/machine.slice/libpod-conmon-" + kId + ".scope",
		     "/kubepods.slice/crio-conmon-" + kId + ".scope",
		     "/kubepods/pod1/crio-conmon-" + kId,
		     // A bare id under a parent that claims no runtime.
		     "/custom/" + kId,
		     "/default/" + kId, // ctr's own namespaces: ids are free-form there
		     // Short or uppercase ids are not what runtimes write.
		     std::string("/docker/3291a8c60a29"),
		     "/docker/" + std::string(64, 'A'),
		     "/system.slice/docker-" + kId.substr(0, 63) + ".scope",
	     })
		EXPECT_FALSE(container_from_cgroup_path(path)) << path;
}

TEST(ContainerId, IsContainerId)
{
	EXPECT_TRUE(is_container_id(kId));
	EXPECT_FALSE(is_container_id(kId.substr(1)));
	EXPECT_FALSE(is_container_id(kId + "0"));
	EXPECT_FALSE(is_container_id(std::string(63, 'a') + "g"));
}

} // namespace
} // namespace bpfwatch

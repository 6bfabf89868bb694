#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Check deploy/kubernetes: the DaemonSet grants what bpfwatch needs, no more.

Parses every manifest with python3-yaml and checks the fields that matter:
capabilities exactly the documented set (drop ALL), not privileged, no
privilege escalation, a read-only root, hostPID and hostNetwork, every
hostPath mount read-only with a type (so a missing path fails the pod
instead of being created on the host) and on the allowed list, probes on
/healthz at the metrics port, the port named metrics = 9477 = the --metrics
argument, resources requested and limited, the image's binary where
scripts/build-toolbox-image puts it; the kustomization lists every manifest
and its components' patches follow the same rules.

  check_kubernetes.py                   the files as committed
  check_kubernetes.py --kubectl kubectl also each runtime component as
                                        `kubectl kustomize` renders it (offline)
  check_kubernetes.py --self-test       each known-bad edit is caught
"""
import argparse
import copy
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

try:
    import yaml
except ImportError:
    sys.exit("check_kubernetes: python3-yaml is missing (sudo scripts/install-deps --test); "
             "run with Debian's /usr/bin/python3")

ROOT = Path(__file__).resolve().parents[2]
KDIR = ROOT / "deploy/kubernetes"
METRICS_PORT = 9477
# README "Requirements" and userspace/probe/preflight.cpp: BPF + PERFMON to
# load and attach, NET_ADMIN for cgroup_skb egress, SYS_PTRACE and
# DAC_READ_SEARCH to stat /proc/PID/fd/{1,2} of any container's process.
CAPS = {"BPF", "PERFMON", "NET_ADMIN", "SYS_PTRACE", "DAC_READ_SEARCH"}
# Host paths the DaemonSet and its runtime components may mount, read-only.
HOST_PATHS = {"/sys/fs/cgroup", "/sys/kernel/btf", "/run/containerd", "/var/run/crio",
              "/var/run/docker.sock", "/run/k3s/containerd"}
HOSTPATH_TYPES = {"Directory", "Socket", "File"}
COMPONENTS = ["containerd", "crio", "docker", "k3s"]


def quantity(q):
    """Kubernetes quantity -> float (cores or bytes)."""
    m = re.fullmatch(r"([0-9.]+)(m|Ki|Mi|Gi|k|M|G)?", str(q))
    if not m:
        raise ValueError(f"bad quantity {q!r}")
    mult = {None: 1, "m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 1e3, "M": 1e6, "G": 1e9}
    return float(m.group(1)) * mult[m.group(2)]


def load_docs(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def check_pod(spec, where, errors, patch=False):
    """The pod template's spec; patch=True for a component's partial spec."""
    def need(cond, msg):
        if not cond:
            errors.append(f"{where}: {msg}")

    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    for name, v in volumes.items():
        hp = v.get("hostPath")
        if hp is None:
            continue
        need(hp.get("path") in HOST_PATHS, f"volume {name}: host path {hp.get('path')!r} not in {sorted(HOST_PATHS)}")
        need(hp.get("type") in HOSTPATH_TYPES,
             f"volume {name}: hostPath type {hp.get('type')!r} must be one of {sorted(HOSTPATH_TYPES)} "
             "(an empty type or *OrCreate makes the path on the host)")
    containers = spec.get("containers", [])
    need(len(containers) == 1, f"expected one container, found {len(containers)}")
    for c in containers:
        for m in c.get("volumeMounts", []):
            need(m.get("readOnly") is True, f"mount {m.get('mountPath')}: readOnly must be true")
            v = volumes.get(m.get("name"))
            need(v is not None or patch, f"mount {m.get('mountPath')}: no volume {m.get('name')!r}")
            if v and "hostPath" in v:
                need(m.get("mountPath") == v["hostPath"]["path"],
                     f"mount {m.get('name')}: at {m.get('mountPath')}, not at its host path {v['hostPath']['path']}")
    if patch:
        return
    for name in volumes:
        need(any(m.get("name") == name for c in containers for m in c.get("volumeMounts", [])),
             f"volume {name} is not mounted")

    need(spec.get("hostPID") is True, "hostPID must be true (containers are found through their PIDs)")
    need(spec.get("hostNetwork") is True, "hostNetwork must be true (the host's routes place the peers)")
    need(spec.get("automountServiceAccountToken") is False, "automountServiceAccountToken must be false")
    need(any(t.get("operator") == "Exists" and "key" not in t for t in spec.get("tolerations", [])),
         "tolerations must hold {operator: Exists} (every node)")
    need(bool(spec.get("priorityClassName")), "priorityClassName must be set")
    need(spec.get("nodeSelector", {}).get("kubernetes.io/arch") == "amd64", "nodeSelector must pin kubernetes.io/arch: amd64")
    pod_seccomp = spec.get("securityContext", {}).get("seccompProfile", {}).get("type")
    for c in containers:
        sc = c.get("securityContext", {})
        need(sc.get("privileged") in (None, False), "privileged must be absent or false")
        need(sc.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation must be false")
        need(sc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem must be true")
        need(sc.get("runAsUser") == 0, "runAsUser must be 0 (non-root gets no effective capabilities)")
        caps = sc.get("capabilities", {})
        need(caps.get("drop") == ["ALL"], "capabilities.drop must be [ALL]")
        add = caps.get("add", [])
        need(len(add) == len(set(add)) and set(add) == CAPS,
             f"capabilities.add must be exactly {sorted(CAPS)}, got {add}")
        seccomp = sc.get("seccompProfile", {}).get("type", pod_seccomp)
        need(seccomp == "RuntimeDefault", f"seccompProfile must be RuntimeDefault, got {seccomp!r}")

        need(c.get("command") == ["/usr/bin/bpfwatch"], "command must be [/usr/bin/bpfwatch]")
        args = c.get("args", [])
        need("--metrics" in args and args[args.index("--metrics") + 1:][:1] == [f"0.0.0.0:{METRICS_PORT}"],
             f"args must hold --metrics 0.0.0.0:{METRICS_PORT}")
        need(args[:2] == ["--output", "none"], "args must start with --output none")
        ports = {p.get("name"): p for p in c.get("ports", [])}
        mp = ports.get("metrics", {})
        need(mp.get("containerPort") == METRICS_PORT and mp.get("protocol", "TCP") == "TCP",
             f"a TCP port named metrics = {METRICS_PORT} is required")
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            p = c.get(probe)
            if p is None and probe == "startupProbe":
                continue
            get = (p or {}).get("httpGet", {})
            port = get.get("port")
            port = ports.get(port, {}).get("containerPort") if isinstance(port, str) else port
            need(get.get("path") == "/healthz" and port == METRICS_PORT,
                 f"{probe} must be httpGet /healthz on the metrics port")
        res = c.get("resources", {})
        try:
            for k in ("cpu", "memory"):
                req, lim = res.get("requests", {}).get(k), res.get("limits", {}).get(k)
                need(req is not None and lim is not None, f"resources: {k} request and limit must be set")
                if req is not None and lim is not None:
                    need(quantity(req) <= quantity(lim), f"resources: {k} request above its limit")
            mem = res.get("limits", {}).get("memory")
            need(mem is not None and 64 * 2**20 <= quantity(mem) <= 256 * 2**20,
                 "resources: memory limit must be 64Mi..256Mi (RSS + BPF maps)")
        except ValueError as e:
            errors.append(f"{where}: resources: {e}")


def check_set(docs, where, errors):
    """A full set of manifests (the files, or kustomize's output)."""
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d.get("kind"), []).append(d)
    dss = by_kind.get("DaemonSet", [])
    if len(dss) != 1:
        errors.append(f"{where}: expected one DaemonSet, found {len(dss)}")
        return
    ds = dss[0]
    ns = ds["metadata"].get("namespace")
    tmpl = ds["spec"]["template"]
    spec = tmpl["spec"]
    labels = tmpl["metadata"].get("labels", {})
    if labels.get("app.kubernetes.io/name") != "bpfwatch":
        errors.append(f"{where}: pod label app.kubernetes.io/name must be bpfwatch (prometheus-scrape.yml keeps on it)")
    if any(labels.get(k) != v for k, v in ds["spec"]["selector"]["matchLabels"].items()):
        errors.append(f"{where}: the selector does not match the pod labels")
    check_pod(spec, f"{where}: DaemonSet", errors)

    nss = [n for n in by_kind.get("Namespace", []) if n["metadata"]["name"] == ns]
    if not nss:
        errors.append(f"{where}: no Namespace {ns!r}")
    elif nss[0]["metadata"].get("labels", {}).get("pod-security.kubernetes.io/enforce") != "privileged":
        errors.append(f"{where}: Namespace {ns}: pod-security.kubernetes.io/enforce must be privileged "
                      "(baseline refuses host namespaces, hostPath and these capabilities)")
    sas = [s for s in by_kind.get("ServiceAccount", []) if s["metadata"]["name"] == spec.get("serviceAccountName")]
    if not sas or sas[0]["metadata"].get("namespace") != ns:
        errors.append(f"{where}: no ServiceAccount {spec.get('serviceAccountName')!r} in {ns}")
    pcs = [p for p in by_kind.get("PriorityClass", []) if p["metadata"]["name"] == spec.get("priorityClassName")]
    if not pcs and not str(spec.get("priorityClassName", "")).startswith("system-"):
        errors.append(f"{where}: no PriorityClass {spec.get('priorityClassName')!r}")
    elif pcs and not 0 < pcs[0].get("value", 0) < 1_000_000_000:
        errors.append(f"{where}: PriorityClass value must be below the system-* classes (1e9)")


def check_files(errors):
    kust = yaml.safe_load((KDIR / "kustomization.yaml").read_text())
    docs = []
    listed = set(kust.get("resources", []))
    manifests = {p.name for p in KDIR.glob("*.yaml") if p.name != "kustomization.yaml"}
    if listed != manifests:
        errors.append(f"kustomization.yaml: resources {sorted(listed)} != manifests here {sorted(manifests)}")
    for name in sorted(listed & manifests):
        docs += load_docs(KDIR / name)
    check_set(docs, "files", errors)
    for comp in kust.get("components", []):
        if not (KDIR / comp / "kustomization.yaml").is_file():
            errors.append(f"kustomization.yaml: component {comp} does not exist")
    for name in COMPONENTS:
        ck = yaml.safe_load((KDIR / "components" / name / "kustomization.yaml").read_text())
        if ck.get("kind") != "Component":
            errors.append(f"components/{name}: kind must be Component")
        for p in ck.get("patches", []):
            patch = yaml.safe_load(p["patch"])
            check_pod(patch["spec"]["template"]["spec"], f"components/{name}", errors, patch=True)
    dss = [d for d in docs if d.get("kind") == "DaemonSet"]
    image = dss[0]["spec"]["template"]["spec"]["containers"][0]["image"] if dss else ""
    if image and image.split(":")[0] not in [i.get("name") for i in kust.get("images", [])]:
        errors.append(f"kustomization.yaml: images: has no entry for {image.split(':')[0]}")
    # The binary's path in the toolbox image, as the build script stages it.
    script = (ROOT / "scripts/build-toolbox-image").read_text()
    if 'IMAGE=${BPFWATCH_TOOLBOX_IMAGE:-bpfwatch-toolbox}' not in script or \
            '"$rootfs/usr/bin/bpfwatch"' not in script:
        errors.append("scripts/build-toolbox-image no longer builds bpfwatch-toolbox with /usr/bin/bpfwatch: "
                      "update the image and command in daemonset.yaml and ecs/task-definition.json")
    return docs


def render(kubectl, component, tmp):
    """kubectl kustomize of the manifests with one runtime component."""
    d = Path(tmp) / component
    d.mkdir()
    rel = os.path.relpath(KDIR, d)
    kust = yaml.safe_load((KDIR / "kustomization.yaml").read_text())
    kust["resources"] = [f"{rel}/{r}" for r in kust["resources"]]
    kust["components"] = [f"{rel}/components/{component}"]
    (d / "kustomization.yaml").write_text(yaml.safe_dump(kust))
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    out = subprocess.run([kubectl, "kustomize", "--load-restrictor", "LoadRestrictionsNone", str(d)],
                         capture_output=True, text=True, env=env, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f"kubectl kustomize ({component}) failed: {out.stderr.strip()}")
    return [x for x in yaml.safe_load_all(out.stdout) if x]


def check_rendered(kubectl, errors):
    with tempfile.TemporaryDirectory() as tmp:
        for comp in COMPONENTS:
            docs = render(kubectl, comp, tmp)
            check_set(docs, f"kustomize+{comp}", errors)
            vols = docs and [d for d in docs if d["kind"] == "DaemonSet"][0]["spec"]["template"]["spec"]["volumes"]
            if not any(v["name"] == f"runtime-{comp}" for v in vols):
                errors.append(f"kustomize+{comp}: the component's volume runtime-{comp} is missing")
    # And the directory as committed (its default component).
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    out = subprocess.run([kubectl, "kustomize", str(KDIR)], capture_output=True, text=True, env=env, timeout=120)
    if out.returncode != 0:
        errors.append(f"kubectl kustomize {KDIR} failed: {out.stderr.strip()}")
    else:
        check_set([x for x in yaml.safe_load_all(out.stdout) if x], "kustomize", errors)


def daemonset(docs):
    return [d for d in docs if d.get("kind") == "DaemonSet"][0]


def container(docs):
    return daemonset(docs)["spec"]["template"]["spec"]["containers"][0]


MUTATIONS = [
    ("extra capability", lambda d: container(d)["securityContext"]["capabilities"]["add"].append("SYS_ADMIN"),
     "capabilities.add must be exactly"),
    ("missing capability", lambda d: container(d)["securityContext"]["capabilities"]["add"].remove("DAC_READ_SEARCH"),
     "capabilities.add must be exactly"),
    ("privileged", lambda d: container(d)["securityContext"].__setitem__("privileged", True), "privileged must be"),
    ("hostPID off", lambda d: daemonset(d)["spec"]["template"]["spec"].__setitem__("hostPID", False), "hostPID must be true"),
    ("writable root", lambda d: container(d)["securityContext"].__setitem__("readOnlyRootFilesystem", False),
     "readOnlyRootFilesystem must be true"),
    ("writable hostPath", lambda d: container(d)["volumeMounts"][0].__setitem__("readOnly", False), "readOnly must be true"),
    ("hostPath created on the host", lambda d: daemonset(d)["spec"]["template"]["spec"]["volumes"][0]["hostPath"]
     .__setitem__("type", "DirectoryOrCreate"), "hostPath type"),
    ("probe on another port", lambda d: container(d)["livenessProbe"]["httpGet"].__setitem__("port", 9090),
     "livenessProbe must be httpGet /healthz"),
    ("probe path", lambda d: container(d)["readinessProbe"]["httpGet"].__setitem__("path", "/metrics"),
     "readinessProbe must be httpGet /healthz"),
    ("port number", lambda d: container(d)["ports"][0].__setitem__("containerPort", 9100), "port named metrics"),
    ("no memory limit", lambda d: container(d)["resources"]["limits"].pop("memory"), "memory request and limit"),
    ("seccomp unconfined", lambda d: daemonset(d)["spec"]["template"]["spec"]["securityContext"]["seccompProfile"]
     .__setitem__("type", "Unconfined"), "seccompProfile must be RuntimeDefault"),
]


def self_test(docs):
    base = []
    check_set(docs, "self-test", base)
    if base:
        print("self-test: the committed files must be valid first:", *base, sep="\n  ")
        return 1
    failed = 0
    for name, edit, expect in MUTATIONS:
        d = copy.deepcopy(docs)
        edit(d)
        errors = []
        check_set(d, "mutated", errors)
        hit = [e for e in errors if expect in e]
        print(f"{'ok  ' if hit else 'MISS'} {name}: {hit[0] if hit else errors}")
        failed += not hit
    print(f"{len(MUTATIONS) - failed} passed, {failed} failed")
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kubectl", help="also render each runtime component with KUBECTL kustomize")
    ap.add_argument("--self-test", action="store_true")
    a = ap.parse_args()
    errors = []
    docs = check_files(errors)
    if a.self_test:
        return self_test(docs)
    if a.kubectl:
        try:
            check_rendered(a.kubectl, errors)
        except (OSError, RuntimeError, subprocess.TimeoutExpired) as e:
            errors.append(str(e))
    for e in errors:
        print(f"check_kubernetes: {e}", file=sys.stderr)
    if errors:
        return 1
    how = f", and as kubectl kustomize renders it with each of {', '.join(COMPONENTS)}" if a.kubectl else ""
    print(f"check_kubernetes: deploy/kubernetes is valid{how}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

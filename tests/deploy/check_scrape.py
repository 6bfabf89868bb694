#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Check the Prometheus scrape configurations against the manifests.

deploy/prometheus/scrape.yml (static targets) and
deploy/kubernetes/prometheus-scrape.yml (role: pod discovery) must scrape
job "bpfwatch" (the alerts select it) on port 9477, and the Kubernetes job
must keep exactly what daemonset.yaml labels and names. Both go through
`promtool check config`; Debian's Prometheus is built without Kubernetes
discovery, so the Kubernetes file is checked with its kubernetes_sd_configs
swapped for a static target (its relabelling is checked all the same).

  check_scrape.py --promtool promtool   exit 0 = valid
  check_scrape.py --self-test           each known-bad edit is caught
"""
import argparse
import copy
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

try:
    import yaml
except ImportError:
    sys.exit("check_scrape: python3-yaml is missing (sudo scripts/install-deps --test); "
             "run with Debian's /usr/bin/python3")

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "deploy/prometheus/scrape.yml"
K8S = ROOT / "deploy/kubernetes/prometheus-scrape.yml"
DAEMONSET = ROOT / "deploy/kubernetes/daemonset.yaml"
METRICS_PORT = 9477


def bpfwatch_job(cfg, where, errors):
    jobs = [j for j in cfg.get("scrape_configs", []) if j.get("job_name") == "bpfwatch"]
    if len(jobs) != 1:
        errors.append(f"{where}: expected one scrape job named bpfwatch (the alerts select job=\"bpfwatch\")")
        return None
    job = jobs[0]
    if job.get("metrics_path", "/metrics") != "/metrics":
        errors.append(f"{where}: metrics_path must be /metrics")
    return job


def relabel_keeps(job, source, value):
    """Whether a keep rule on SOURCE exists and its regex keeps VALUE."""
    for r in job.get("relabel_configs", []):
        if r.get("action") == "keep" and r.get("source_labels") == [source]:
            return re.fullmatch(r.get("regex", "(.*)"), value) is not None
    return False


def check_static(cfg, errors):
    job = bpfwatch_job(cfg, "scrape.yml", errors)
    if not job:
        return
    targets = [t for sc in job.get("static_configs", []) for t in sc.get("targets", [])]
    if not targets or not all(t.endswith(f":{METRICS_PORT}") for t in targets):
        errors.append(f"scrape.yml: every target must be HOST:{METRICS_PORT}, got {targets}")
    if "alerts.yml" not in cfg.get("rule_files", []):
        errors.append("scrape.yml: rule_files must load alerts.yml")


def check_k8s(cfg, daemonset_docs, errors):
    job = bpfwatch_job(cfg, "prometheus-scrape.yml", errors)
    if not job:
        return
    ds = [d for d in daemonset_docs if d.get("kind") == "DaemonSet"][0]
    tmpl = ds["spec"]["template"]
    label = tmpl["metadata"]["labels"]["app.kubernetes.io/name"]
    ports = [p for c in tmpl["spec"]["containers"] for p in c.get("ports", [])]
    sds = job.get("kubernetes_sd_configs", [])
    if not sds or any(sd.get("role") != "pod" for sd in sds):
        errors.append("prometheus-scrape.yml: kubernetes_sd_configs with role: pod expected")
    elif not all(ds["metadata"]["namespace"] in sd.get("namespaces", {}).get("names", [ds["metadata"]["namespace"]])
                 for sd in sds):
        errors.append(f"prometheus-scrape.yml: discovery must cover namespace {ds['metadata']['namespace']}")
    if not relabel_keeps(job, "__meta_kubernetes_pod_label_app_kubernetes_io_name", label):
        errors.append(f"prometheus-scrape.yml: no keep rule that keeps pods labelled app.kubernetes.io/name={label}")
    names = [p["name"] for p in ports if p.get("containerPort") == METRICS_PORT]
    if not names or not relabel_keeps(job, "__meta_kubernetes_pod_container_port_name", names[0]):
        errors.append(f"prometheus-scrape.yml: no keep rule that keeps the DaemonSet's port named {names[:1]}")
    if relabel_keeps(job, "__meta_kubernetes_pod_container_port_name", "other"):
        errors.append("prometheus-scrape.yml: the port-name keep rule keeps other ports too")
    for r in job.get("relabel_configs", []):
        if r.get("target_label") in ("pod", "namespace", "container"):
            errors.append(f"prometheus-scrape.yml: target label {r['target_label']!r} would rename bpfwatch's own "
                          f"{r['target_label']} label of the watched containers to exported_{r['target_label']}")


def promtool_check(promtool, cfg, rule_file, errors, where):
    """promtool check config on CFG, with rule_files pointing at RULE_FILE."""
    cfg = copy.deepcopy(cfg)
    cfg["rule_files"] = [str(rule_file)]
    for job in cfg.get("scrape_configs", []):
        if job.pop("kubernetes_sd_configs", None) is not None:
            job["static_configs"] = [{"targets": [f"192.0.2.10:{METRICS_PORT}"]}]
    with tempfile.NamedTemporaryFile("w", suffix=".yml") as f:
        yaml.safe_dump(cfg, f)
        f.flush()
        out = subprocess.run([promtool, "check", "config", f.name], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        errors.append(f"{where}: promtool check config failed:\n{out.stdout}{out.stderr}")


def check(static, k8s, daemonset_docs, errors, promtool=None):
    check_static(static, errors)
    check_k8s(k8s, daemonset_docs, errors)
    if promtool:
        rules = ROOT / "deploy/prometheus/alerts.yml"
        promtool_check(promtool, static, rules, errors, "scrape.yml")
        promtool_check(promtool, k8s, rules, errors, "prometheus-scrape.yml")


def job_of(cfg):
    return [j for j in cfg["scrape_configs"] if j["job_name"] == "bpfwatch"][0]


MUTATIONS = [
    ("job renamed", lambda s, k: job_of(k).__setitem__("job_name", "bpf-watch"), "one scrape job named bpfwatch"),
    ("label regex", lambda s, k: job_of(k)["relabel_configs"][0].__setitem__("regex", "bpf-watch"),
     "app.kubernetes.io/name=bpfwatch"),
    ("port regex", lambda s, k: job_of(k)["relabel_configs"][1].__setitem__("regex", "metric"),
     "port named"),
    ("namespace label", lambda s, k: job_of(k)["relabel_configs"].append(
        {"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"}), "exported_namespace"),
    ("static port", lambda s, k: job_of(s)["static_configs"][0]["targets"].append("192.0.2.12:9100"),
     f"HOST:{METRICS_PORT}"),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--promtool", help="run PROMTOOL check config on both files")
    ap.add_argument("--self-test", action="store_true")
    a = ap.parse_args()
    static = yaml.safe_load(STATIC.read_text())
    k8s = yaml.safe_load(K8S.read_text())
    ds = [d for d in yaml.safe_load_all(DAEMONSET.read_text()) if d]
    errors = []
    if a.promtool and not shutil.which(a.promtool):
        errors.append(f"{a.promtool} not found: install prometheus (sudo scripts/install-deps --test)")
    check(static, k8s, ds, errors, None if errors else a.promtool)
    if a.self_test:
        if errors:
            print("self-test: the committed files must be valid first:", *errors, sep="\n  ")
            return 1
        failed = 0
        for name, edit, expect in MUTATIONS:
            s, k = copy.deepcopy(static), copy.deepcopy(k8s)
            edit(s, k)
            errs = []
            check(s, k, ds, errs)
            hit = [e for e in errs if expect in e]
            print(f"{'ok  ' if hit else 'MISS'} {name}: {hit[0] if hit else errs}")
            failed += not hit
        print(f"{len(MUTATIONS) - failed} passed, {failed} failed")
        return 1 if failed else 0
    for e in errors:
        print(f"check_scrape: {e}", file=sys.stderr)
    if errors:
        return 1
    print("check_scrape: scrape.yml and prometheus-scrape.yml scrape job bpfwatch on :9477"
          + (" and pass promtool check config" if a.promtool else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

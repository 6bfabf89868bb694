#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Check deploy/grafana/bpfwatch.json: an importable dashboard whose queries parse.

Valid JSON; schemaVersion 36-39; a `datasource` variable (type datasource,
Prometheus) that every panel and target uses, so it imports into any
Grafana; `instance` and `container` variables from label_values(); unique
panel ids on a 24-column grid without overlaps; the panels the issue asks
for (log/out and in byte rates, left-host vs acked, errors by errno,
last-send age, lost records, restarts, bpfwatch's own CPU and memory).
With --promtool, every query (template variables replaced) is parsed by
promtool as a recording rule, so a PromQL syntax error fails here rather
than in a user's Grafana. No Grafana in Debian 12: this is the check.

  check_dashboard.py [--promtool promtool]
  check_dashboard.py --self-test
"""
import argparse
import copy
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

try:
    import yaml
except ImportError:
    sys.exit("check_dashboard: python3-yaml is missing (sudo scripts/install-deps --test); "
             "run with Debian's /usr/bin/python3")

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy/grafana/bpfwatch.json"
DS_UID = "${datasource}"
# What the issue asks the dashboard to show: a regex each must match in
# some panel's queries.
REQUIRED = {
    "log bytes per container": r'rate\(bpfwatch_write_bytes_total\{[^}]*kind="log"',
    "out bytes by kind": r"sum by \(container, kind\) \(rate\(bpfwatch_write_bytes_total",
    "in bytes by kind": r"rate\(bpfwatch_read_bytes_total",
    "remote sends": r'rate\(bpfwatch_send_bytes_total\{[^}]*locality="remote"',
    "errors by errno": r"by \([^)]*errno[^)]*\) \(rate\(bpfwatch_write_errors_total",
    "connect failures": r"rate\(bpfwatch_connect_failures_total",
    "last-send age": r"time\(\) - bpfwatch_last_send_timestamp_seconds",
    "lost records": r"bpfwatch_lost_records_total",
    "restarts": r"bpfwatch_container_restarts_total",
    "bpfwatch CPU": r"rate\(bpfwatch_process_cpu_seconds_total",
    "bpfwatch RSS": r"bpfwatch_process_resident_memory_bytes",
}


def panels(ps):
    for p in ps:
        yield p
        yield from panels(p.get("panels", []))


def check(dash, errors):
    def need(cond, msg):
        if not cond:
            errors.append(msg)

    need(36 <= dash.get("schemaVersion", 0) <= 39, f"schemaVersion {dash.get('schemaVersion')} not in 36..39")
    need(bool(dash.get("uid")) and bool(dash.get("title")), "uid and title must be set")
    variables = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
    ds = variables.get("datasource", {})
    need(ds.get("type") == "datasource" and ds.get("query") == "prometheus",
         "a variable `datasource` of type datasource, query prometheus, is required")
    for name, label in (("instance", "instance"), ("container", "container")):
        v = variables.get(name, {})
        q = v.get("query", {})
        q = q.get("query", "") if isinstance(q, dict) else q
        need(v.get("type") == "query" and re.fullmatch(rf"label_values\(bpfwatch_\w+(\{{.*\}})?, {label}\)", q or ""),
             f"a variable `{name}` from label_values(bpfwatch_..., {label}) is required")
        need(v.get("datasource", {}).get("uid") == DS_UID, f"variable {name} must use {DS_UID}")

    ids, cells, exprs = set(), {}, []
    for p in panels(dash.get("panels", [])):
        pid, title = p.get("id"), p.get("title")
        need(pid not in ids, f"panel id {pid} is used twice")
        ids.add(pid)
        g = p.get("gridPos", {})
        need(all(isinstance(g.get(k), int) for k in "xywh") and g.get("x", 0) + g.get("w", 0) <= 24,
             f"panel {title!r}: gridPos must fit 24 columns")
        area = [(x, y) for x in range(g.get("x", 0), g.get("x", 0) + g.get("w", 0))
                for y in range(g.get("y", 0), g.get("y", 0) + g.get("h", 0))]
        other = next((cells[c] for c in area if c in cells), None)
        need(other is None, f"panel {title!r} overlaps panel {other!r}")
        cells.update({c: title for c in area})
        if p.get("type") == "row":
            continue
        need(p.get("datasource", {}).get("uid") == DS_UID, f"panel {title!r}: datasource must be {DS_UID}")
        targets = p.get("targets", [])
        need(bool(targets), f"panel {title!r} has no query")
        refs = [t.get("refId") for t in targets]
        need(len(refs) == len(set(refs)) and all(refs), f"panel {title!r}: refIds must be set and unique")
        for t in targets:
            need(t.get("datasource", {}).get("uid") == DS_UID, f"panel {title!r}: target datasource must be {DS_UID}")
            need(bool(t.get("expr", "").strip()), f"panel {title!r}: a target has no expr")
            exprs.append((title, t.get("expr", "")))
    text = "\n".join(e for _, e in exprs)
    for what, pattern in REQUIRED.items():
        need(re.search(pattern, text), f"no panel shows {what} (/{pattern}/)")
    return exprs


def promtool_parse(promtool, exprs, errors):
    """Parse every query as a recording rule with promtool check rules."""
    def concrete(e):
        e = e.replace("$__rate_interval", "1m").replace("$__interval", "1m").replace("$__range", "1h")
        return re.sub(r"\$\{?(\w+)\}?", ".*", e)

    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:query_{i}", "expr": concrete(e)} for i, (_, e) in enumerate(exprs)]}]}
    with tempfile.NamedTemporaryFile("w", suffix=".yml") as f:
        yaml.safe_dump(rules, f)
        f.flush()
        out = subprocess.run([promtool, "check", "rules", f.name], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        for m in re.finditer(r'rule (\d+), "[^"]*": (.*)', out.stdout + out.stderr):
            title, expr = exprs[int(m.group(1)) - 1]
            errors.append(f"panel {title!r}: {m.group(2)}: {expr}")
        if not errors:
            errors.append(f"promtool check rules failed:\n{out.stdout}{out.stderr}")


def panel(dash, title):
    return [p for p in panels(dash["panels"]) if p.get("title") == title][0]


MUTATIONS = [
    ("hard-wired data source", lambda d: panel(d, "Lost records").__setitem__("datasource", {"type": "prometheus", "uid": "abc123"}),
     "datasource must be"),
    ("no container variable", lambda d: d["templating"]["list"].pop(2), "variable `container`"),
    ("duplicate panel id", lambda d: panel(d, "Lost records").__setitem__("id", panel(d, "Container restarts")["id"]),
     "is used twice"),
    ("overlap", lambda d: panel(d, "Lost records")["gridPos"].__setitem__("x", 4), "overlaps"),
    ("no last-send age", lambda d: panel(d, "Seconds since the last successful send")["targets"][0].__setitem__(
        "expr", "bpfwatch_last_send_timestamp_seconds"), "last-send age"),
    ("PromQL syntax", lambda d: panel(d, "Lost records")["targets"][0].__setitem__(
        "expr", "sum by (container (rate(bpfwatch_lost_records_total[5m]))"), "parse error"),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--promtool", help="parse every query with PROMTOOL check rules")
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("dashboard", nargs="?", type=Path, default=DASHBOARD)
    a = ap.parse_args()
    try:
        dash = json.loads(a.dashboard.read_text())
    except json.JSONDecodeError as e:
        print(f"check_dashboard: {a.dashboard.name}: not valid JSON: {e}", file=sys.stderr)
        return 1

    def run(d):
        errors = []
        exprs = check(d, errors)
        if a.promtool:
            promtool_parse(a.promtool, exprs, errors)
        return errors, exprs

    errors, exprs = run(dash)
    if a.self_test:
        if errors:
            print("self-test: the committed dashboard must be valid first:", *errors, sep="\n  ")
            return 1
        failed = 0
        for name, edit, expect in MUTATIONS:
            if expect == "parse error" and not a.promtool:
                print(f"MISS {name}: needs --promtool")
                failed += 1
                continue
            d = copy.deepcopy(dash)
            edit(d)
            errs, _ = run(d)
            hit = [e for e in errs if expect in e]
            print(f"{'ok  ' if hit else 'MISS'} {name}: {hit[0] if hit else errs}")
            failed += not hit
        print(f"{len(MUTATIONS) - failed} passed, {failed} failed")
        return 1 if failed else 0
    for e in errors:
        print(f"check_dashboard: {e}", file=sys.stderr)
    if errors:
        return 1
    print(f"check_dashboard: {a.dashboard.name}: {sum(1 for _ in panels(dash['panels']))} panels, "
          f"{len(exprs)} queries" + (", all parsed by promtool" if a.promtool else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

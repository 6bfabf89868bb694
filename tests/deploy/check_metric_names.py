#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Every bpfwatch metric that is queried must be one deploy/metrics.md lists.

Reads the table in deploy/metrics.md (name, type, labels), then the PromQL of
the alert rules and of the Grafana dashboard (panel targets and template
variables): each bpfwatch_* name (less _bucket/_sum/_count of a histogram)
must be listed, each label matcher on it must name one of its labels, and
enumerated label values (kind, locality, ...) must be real ones. The input
series of the rule unit tests must carry exactly the labels bpfwatch
exports. With --exposition FILE, a scrape (`curl -s HOST:9477/metrics`) is
checked the same way: every listed family present with its type, none
else, and every series' labels exactly the documented ones.

  check_metric_names.py                       the committed files
  check_metric_names.py --exposition FILE     and a real scrape
  check_metric_names.py --rules FILE ...      other rule files instead
"""
import argparse
import json
import re
import sys
from pathlib import Path

try:
    import yaml
except ImportError:
    sys.exit("check_metric_names: python3-yaml is missing (sudo scripts/install-deps --test); "
             "run with Debian's /usr/bin/python3")

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"\bbpfwatch_[a-z0-9_]+\b")
SELECTOR = re.compile(r"\b(bpfwatch_[a-z0-9_]+)\s*\{([^}]*)\}")
MATCHER = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?')
HIST_SUFFIXES = ("_bucket", "_sum", "_count")
# Labels every per-container series carries besides its own (metrics.md),
# those only some have (pod, namespace, task), and what the scrape adds.
CONTAINER_EXTRA = {"runtime", "container_id"}
CONTAINER_OPTIONAL = {"pod", "namespace", "task"}
NO_CONTAINER_ID = {"bpfwatch_container_restarts_total"}
SCRAPE = {"job", "instance"}
# Enumerated label values, as metrics.md's "Label values" table lists them.
WRITE_KINDS = {"pipe", "file", "socket", "tty", "other", "log", "stdio"}
READ_KINDS = {"pipe", "file", "socket", "tty", "other"}
ENUMS = {
    "locality": {"loopback", "host", "local-container", "remote", "unknown"},
    "map": {"totals", "sockets", "peers", "errors", "egress", "destinations"},
    "probe_build": {"btf", "compat"},
    "runtime": {"docker", "podman", "containerd", "crio", "cri", "cgroup"},
}


class Catalog:
    def __init__(self, md_path):
        self.types, self.labels = {}, {}
        text = md_path.read_text()
        for line in text.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) < 4 or not re.fullmatch(r"`bpfwatch_[a-z0-9_]+`", cells[0]):
                continue
            name = cells[0].strip("`")
            if cells[1] not in ("counter", "gauge", "histogram"):
                raise SystemExit(f"{md_path}: {name}: type {cells[1]!r} is not counter, gauge or histogram")
            if name in self.types:
                raise SystemExit(f"{md_path}: {name} is listed twice")
            self.types[name] = cells[1]
            self.labels[name] = set(re.findall(r"`([a-z_]+)`", cells[2]))
        if len(self.types) < 10:
            raise SystemExit(f"{md_path}: found only {len(self.types)} metrics in its table")
        # The enumerations above must be the documented ones.
        for values in [WRITE_KINDS, READ_KINDS] + list(ENUMS.values()):
            for v in values:
                if f"`{v}`" not in text:
                    raise SystemExit(f"{md_path} does not list label value `{v}` that this checker accepts")

    def family(self, name):
        """The documented family of a sample or query name, or None."""
        if name in self.types:
            return name
        for suffix in HIST_SUFFIXES:
            base = name[: -len(suffix)]
            if name.endswith(suffix) and self.types.get(base) == "histogram":
                return base
        return None

    def allowed_labels(self, name):
        """(required, optional) label names of a series of NAME."""
        fam = self.family(name)
        own = set(self.labels[fam])
        optional = set()
        if "container" in own:
            own |= {"runtime"} if fam in NO_CONTAINER_ID else CONTAINER_EXTRA
            optional |= CONTAINER_OPTIONAL
        if name.endswith("_bucket") and fam != name:
            own.add("le")
        return own, optional

    def allowed_values(self, name, label):
        if label == "kind":
            return READ_KINDS if self.family(name) == "bpfwatch_read_bytes_total" else WRITE_KINDS
        return ENUMS.get(label)


def check_queries(cat, exprs, errors):
    """exprs: (where, PromQL) pairs. Returns the documented names used."""
    used = set()
    for where, expr in exprs:
        for name in NAME.findall(expr):
            fam = cat.family(name)
            if fam is None:
                errors.append(f"{where}: {name} is not in deploy/metrics.md")
            else:
                used.add(fam)
        for name, body in SELECTOR.findall(expr):
            if cat.family(name) is None:
                continue
            required, optional = cat.allowed_labels(name)
            pos = 0
            while pos < len(body.strip()):
                m = MATCHER.match(body, pos)
                if not m:
                    errors.append(f"{where}: cannot parse the matchers of {name}{{{body}}}")
                    break
                pos = m.end()
                label, op, value = m.groups()
                if label not in required | optional | SCRAPE:
                    errors.append(f"{where}: {name} has no label {label!r} (it has {sorted(required)})")
                allowed = cat.allowed_values(name, label)
                if allowed and op == "=" and value not in allowed:
                    errors.append(f"{where}: {name}{{{label}=\"{value}\"}}: not one of {sorted(allowed)}")
                if allowed and op == "=~" and "$" not in value:
                    for alt in value.split("|"):
                        if re.fullmatch(r"[a-z-]+", alt) and alt not in allowed:
                            errors.append(f"{where}: {name}{{{label}=~\"{value}\"}}: {alt!r} is not one of {sorted(allowed)}")
    return used


def rule_exprs(path):
    doc = yaml.safe_load(path.read_text())
    for g in doc.get("groups", []):
        for r in g.get("rules", []):
            yield f"{path.name}: {r.get('alert') or r.get('record')}", r["expr"]


def dashboard_exprs(path):
    dash = json.loads(path.read_text())

    def panels(ps):
        for p in ps:
            yield p
            yield from panels(p.get("panels", []))

    for p in panels(dash.get("panels", [])):
        for t in p.get("targets", []):
            if "expr" in t:
                yield f"{path.name}: panel {p.get('title')!r}", t["expr"]
    for v in dash.get("templating", {}).get("list", []):
        q = v.get("query")
        q = q.get("query", "") if isinstance(q, dict) else q
        if v.get("type") == "query":
            yield f"{path.name}: variable {v.get('name')}", q


def parse_series(text):
    """'name{a="b",...}' -> (name, {labels}), as a test's or a scrape's series."""
    m = re.fullmatch(r"\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{(.*)\})?\s*", text)
    if not m:
        raise ValueError(f"cannot parse series {text!r}")
    labels = {}
    body = m.group(2) or ""
    pos = 0
    while pos < len(body.strip()):
        lm = MATCHER.match(body, pos)
        if not lm or lm.group(2) != "=":
            raise ValueError(f"cannot parse labels of {text!r}")
        if lm.group(1) in labels:
            raise ValueError(f"label {lm.group(1)} twice in {text!r}")
        labels[lm.group(1)] = lm.group(3)
        pos = lm.end()
    return m.group(1), labels


def check_series(cat, where, name, labels, errors, extra=frozenset()):
    if cat.family(name) is None:
        if name.startswith("bpfwatch_"):
            errors.append(f"{where}: {name} is not in deploy/metrics.md")
        return
    required, optional = cat.allowed_labels(name)
    have = set(labels) - extra
    if not required <= have:
        errors.append(f"{where}: {name} lacks label(s) {sorted(required - have)}")
    if have - required - optional:
        errors.append(f"{where}: {name} has undocumented label(s) {sorted(have - required - optional)}")
    for label, value in labels.items():
        allowed = cat.allowed_values(name, label)
        if allowed and value not in allowed:
            errors.append(f"{where}: {name}{{{label}=\"{value}\"}}: not one of {sorted(allowed)}")


def check_rule_tests(cat, path, errors):
    doc = yaml.safe_load(path.read_text())
    n = 0
    for i, test in enumerate(doc.get("tests", [])):
        for s in test.get("input_series", []):
            try:
                name, labels = parse_series(s["series"])
            except ValueError as e:
                errors.append(f"{path.name}: test {i}: {e}")
                continue
            if name.startswith("bpfwatch_"):
                n += 1
                check_series(cat, f"{path.name}: test {i}", name, labels, errors, extra=SCRAPE)
    return n


def check_exposition(cat, path, queried, errors):
    types, samples = {}, []
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 4 and parts[1] == "TYPE":
                types[parts[2]] = parts[3].strip()
            continue
        m = re.fullmatch(r"(\S+?(?:\{.*\})?)\s+(\S+)(?:\s+\S+)?", line)
        if not m:
            errors.append(f"{path.name}:{lineno}: cannot parse {line!r}")
            continue
        try:
            name, labels = parse_series(m.group(1))
            float(m.group(2))
        except ValueError as e:
            errors.append(f"{path.name}:{lineno}: {e}")
            continue
        samples.append((lineno, name, labels))
    for fam, typ in cat.types.items():
        if fam not in types:
            errors.append(f"{path.name}: no '# TYPE {fam}' (every family is exported, series or not)")
        elif types[fam] != typ:
            errors.append(f"{path.name}: {fam} is a {types[fam]}, metrics.md says {typ}")
    for fam in types:
        if fam.startswith("bpfwatch_") and fam not in cat.types:
            errors.append(f"{path.name}: family {fam} is not in deploy/metrics.md")
    for name in sorted(queried - set(types)):
        errors.append(f"{path.name}: {name}, which the rules or the dashboard query, is not exported")
    inf = set()
    for lineno, name, labels in samples:
        check_series(cat, f"{path.name}:{lineno}", name, labels, errors)
        if name.endswith("_bucket") and labels.get("le") == "+Inf":
            inf.add(cat.family(name))
    for fam, typ in cat.types.items():
        has = any(cat.family(n) == fam for _, n, _ in samples if n.endswith("_bucket"))
        if typ == "histogram" and has and fam not in inf:
            errors.append(f"{path.name}: {fam} has buckets but no le=\"+Inf\"")
    return len(samples)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--metrics-md", type=Path, default=ROOT / "deploy/metrics.md")
    ap.add_argument("--rules", type=Path, nargs="+", default=[ROOT / "deploy/prometheus/alerts.yml"])
    ap.add_argument("--dashboard", type=Path, nargs="+", default=[ROOT / "deploy/grafana/bpfwatch.json"])
    ap.add_argument("--rule-tests", type=Path, nargs="*", default=[ROOT / "deploy/prometheus/alerts_test.yml"])
    ap.add_argument("--exposition", type=Path, help="a scrape of bpfwatch's /metrics to check too")
    a = ap.parse_args()

    cat = Catalog(a.metrics_md)
    errors = []
    exprs = [e for p in a.rules for e in rule_exprs(p)] + [e for p in a.dashboard for e in dashboard_exprs(p)]
    if not exprs:
        errors.append("no PromQL expressions found")
    used = check_queries(cat, exprs, errors)
    tested = sum(check_rule_tests(cat, p, errors) for p in a.rule_tests)
    exported = check_exposition(cat, a.exposition, used, errors) if a.exposition else None

    for e in errors:
        print(f"check_metric_names: {e}", file=sys.stderr)
    if errors:
        print(f"check_metric_names: {len(errors)} problem(s)", file=sys.stderr)
        return 1
    print(f"check_metric_names: {len(exprs)} expressions use {len(used)} of the {len(cat.types)} metrics "
          f"in {a.metrics_md.name}, all listed; {tested} test input series carry their labels"
          + (f"; {a.exposition.name}: {exported} samples, every family with its type" if a.exposition else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Validate deploy/ecs/*.json against the ECS API model, then bpfwatch's rules.

The model is the one Debian's python3-botocore ships (botocore/data/ecs/
*/service-2.json): task-definition.json is checked as the input of
RegisterTaskDefinition, service.json as the input of CreateService. The walk
is strict where the AWS CLI would be: an unknown or misspelled key, a
missing required member, a wrong JSON type, a value outside an enum or a
length/range bound is an error with its JSON path. Where the model lists
valid values only in a member's documentation ("Valid values: ..."; e.g.
KernelCapabilities, whose list has no BPF or PERFMON), those are enforced
too.

Then what bpfwatch needs (the same facts as deploy/kubernetes/daemonset.yaml):
host network and PIDs, exactly the documented capabilities, not privileged,
a read-only root, read-only host mounts, port 9477, a /healthz check, memory
limits, a DAEMON service of this task family.

  check_ecs.py [--task FILE] [--service FILE]   exit 0 = valid
  check_ecs.py --self-test                      each known-bad edit is caught
"""
import argparse
import copy
import html
import json
import re
import sys
from pathlib import Path

try:
    import botocore
    from botocore.loaders import Loader
except ImportError:
    sys.exit("check_ecs: python3-botocore is missing (sudo scripts/install-deps --test); "
             "run with Debian's /usr/bin/python3")

ROOT = Path(__file__).resolve().parents[2]
METRICS_PORT = 9477
# ECS's API knows no BPF or PERFMON (KernelCapabilities' valid values), so
# SYS_ADMIN stands for both: bpfwatch's preflight accepts either.
ECS_CAPS = {"SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "DAC_READ_SEARCH"}
HOST_PATHS = {"/sys/fs/cgroup", "/sys/kernel/btf", "/var/run/docker.sock"}
ARGS = ["--output", "none", "--metrics", f"0.0.0.0:{METRICS_PORT}"]

JSON_TYPES = {
    "string": str, "boolean": bool, "list": list, "map": dict, "structure": dict,
    "integer": int, "long": int, "double": (int, float), "float": (int, float),
    "timestamp": (str, int, float), "blob": str,
}


def load_model():
    model = Loader().load_service_model("ecs", "service-2")
    return model["shapes"]


def documented_values(doc):
    """The values listed as 'Valid values: <code>"A" | "B"</code>', or None."""
    text = html.unescape(re.sub(r"<[^>]+>", "", doc or ""))
    m = re.search(r"Valid values:\s*((?:\"[^\"]+\"\s*\|?\s*)+)", text)
    if not m:
        return None
    return set(re.findall(r"\"([^\"]+)\"", m.group(1)))


def validate(shapes, value, shape_name, path, errors, allowed=None):
    shape = shapes[shape_name]
    kind = shape["type"]
    want = JSON_TYPES[kind]
    # JSON's true/false are ints to Python: never accept a bool as a number.
    if not isinstance(value, want) or (kind in ("integer", "long", "double", "float")
                                       and isinstance(value, bool)):
        errors.append(f"{path}: expected {kind} ({shape_name}), got {type(value).__name__} {value!r}")
        return
    if kind == "structure":
        members = shape.get("members", {})
        for key in value:
            if key not in members:
                close = [m for m in members if m.lower() == key.lower()]
                hint = f" (did you mean {close[0]}?)" if close else ""
                errors.append(f"{path}: unknown key '{key}' in {shape_name}{hint}")
        for key in shape.get("required", []):
            if key not in value:
                errors.append(f"{path}: missing required '{key}' of {shape_name}")
        for key, member in members.items():
            if key in value:
                validate(shapes, value[key], member["shape"], f"{path}.{key}", errors,
                         documented_values(member.get("documentation")))
    elif kind == "list":
        check_len(shape, len(value), path, errors)
        for i, item in enumerate(value):
            validate(shapes, item, shape["member"]["shape"], f"{path}[{i}]", errors, allowed)
    elif kind == "map":
        for k, v in value.items():
            validate(shapes, k, shape["key"]["shape"], f"{path}.<key {k}>", errors)
            validate(shapes, v, shape["value"]["shape"], f"{path}.{k}", errors)
    elif kind == "string":
        if "enum" in shape and value not in shape["enum"]:
            errors.append(f"{path}: '{value}' is not one of {shape_name}: {', '.join(shape['enum'])}")
        elif allowed and value not in allowed:
            errors.append(f"{path}: '{value}' is not a documented valid value: {', '.join(sorted(allowed))}")
        check_len(shape, len(value), path, errors)
        if "pattern" in shape and not re.fullmatch(py_pattern(shape["pattern"]), value):
            errors.append(f"{path}: '{value}' does not match {shape['pattern']}")
    elif kind in ("integer", "long"):
        if "min" in shape and value < shape["min"]:
            errors.append(f"{path}: {value} < minimum {shape['min']}")
        if "max" in shape and value > shape["max"]:
            errors.append(f"{path}: {value} > maximum {shape['max']}")


def py_pattern(pattern):
    r"""The model's (Java) pattern for Python's re: its Unicode classes
    \p{L}, \p{N}, \p{Z} (in TagKey, TagValue) become \w, \d, \s, close
    enough for the ASCII this repository writes."""
    return pattern.replace(r"\p{L}", r"\w").replace(r"\p{N}", r"\d").replace(r"\p{Z}", r"\s")


def check_len(shape, n, path, errors):
    if "min" in shape and n < shape["min"]:
        errors.append(f"{path}: length {n} < minimum {shape['min']}")
    if "max" in shape and n > shape["max"]:
        errors.append(f"{path}: length {n} > maximum {shape['max']}")


def bpfwatch_rules(task, service, errors):
    def need(cond, msg):
        if not cond:
            errors.append(msg)

    need(task.get("networkMode") == "host", "task: networkMode must be host (the host's routes place peers)")
    need(task.get("pidMode") == "host", "task: pidMode must be host (containers are found by their PIDs)")
    need("EC2" in task.get("requiresCompatibilities", []), "task: requiresCompatibilities must hold EC2 (no BPF on Fargate)")
    cds = task.get("containerDefinitions", [])
    need(len(cds) == 1, f"task: expected one container, found {len(cds)}")
    if not cds:
        return
    c = cds[0]
    need(c.get("essential") is True, "container: essential must be true")
    need(c.get("entryPoint") == ["/usr/bin/bpfwatch"], "container: entryPoint must be [/usr/bin/bpfwatch] (the toolbox image's binary)")
    need(c.get("command") == ARGS, f"container: command must be {ARGS}")
    need(c.get("privileged") in (None, False), "container: privileged must be absent or false")
    need(c.get("readonlyRootFilesystem") is True, "container: readonlyRootFilesystem must be true")
    need(c.get("user") in (None, "0", "root"), "container: must run as root (capabilities)")
    caps = c.get("linuxParameters", {}).get("capabilities", {})
    need(caps.get("drop") == ["ALL"], "container: capabilities.drop must be [ALL]")
    add = caps.get("add", [])
    need(len(add) == len(set(add)) and set(add) == ECS_CAPS,
         f"container: capabilities.add must be exactly {sorted(ECS_CAPS)}, got {add}")
    memory, reservation = c.get("memory"), c.get("memoryReservation")
    memory_ok = type(memory) is int and 64 <= memory <= 256
    need(memory_ok, "container: memory (hard limit, MiB) must be set, 64..256")
    need(memory_ok and type(reservation) is int and reservation <= memory,
         "container: memoryReservation must be set, <= memory")
    ports = c.get("portMappings", [])
    need(any(p.get("containerPort") == METRICS_PORT and p.get("hostPort", METRICS_PORT) == METRICS_PORT
             for p in ports), f"container: portMappings must map {METRICS_PORT}")
    hc = c.get("healthCheck", {}).get("command", [])
    need(len(hc) == 2 and hc[0] == "CMD-SHELL" and f"http://127.0.0.1:{METRICS_PORT}/healthz" in hc[1]
         and hc[1].startswith("wget "),
         f"container: healthCheck must be CMD-SHELL busybox wget of http://127.0.0.1:{METRICS_PORT}/healthz")
    volumes = {v.get("name"): v for v in task.get("volumes", [])}
    for i, m in enumerate(c.get("mountPoints", [])):
        need(m.get("readOnly") is True, f"container.mountPoints[{i}] ({m.get('containerPath')}): readOnly must be true")
        v = volumes.get(m.get("sourceVolume"))
        need(v is not None, f"container.mountPoints[{i}]: no volume named {m.get('sourceVolume')!r}")
        if v:
            src = v.get("host", {}).get("sourcePath")
            need(src in HOST_PATHS, f"volume {v['name']}: host path {src!r} is not one of {sorted(HOST_PATHS)}")
            need(src == m.get("containerPath"), f"volume {v['name']}: mounted at {m.get('containerPath')}, not at its host path {src}")
    need(c.get("logConfiguration", {}).get("logDriver") == "awslogs", "container: logConfiguration awslogs expected")

    need(service.get("schedulingStrategy") == "DAEMON", "service: schedulingStrategy must be DAEMON")
    need("desiredCount" not in service, "service: a DAEMON service takes no desiredCount")
    need(service.get("taskDefinition", "").split(":")[0] == task.get("family"),
         f"service: taskDefinition must name family {task.get('family')!r}")
    need(service.get("launchType") == "EC2", "service: launchType must be EC2")
    dc = service.get("deploymentConfiguration", {})
    need(dc.get("maximumPercent", 100) == 100, "service: a DAEMON service needs maximumPercent 100")


def check(shapes, task, service):
    errors = []
    validate(shapes, task, "RegisterTaskDefinitionRequest", "task-definition", errors)
    validate(shapes, service, "CreateServiceRequest", "service", errors)
    bpfwatch_rules(task, service, errors)
    return errors


# Each edit must be caught, with this text in the error.
MUTATIONS = [
    ("misspelled key", lambda t, s: t["containerDefinitions"][0].__setitem__(
        "esential", t["containerDefinitions"][0].pop("essential")), "unknown key 'esential'"),
    ("misspelled top-level key", lambda t, s: t.__setitem__("pidmode", t.pop("pidMode")), "unknown key 'pidmode'"),
    ("string for an integer", lambda t, s: t["containerDefinitions"][0].__setitem__("memory", "128"),
     "expected integer"),
    ("bool for an integer", lambda t, s: t["containerDefinitions"][0]["healthCheck"].__setitem__("retries", True),
     "expected integer"),
    ("enum value", lambda t, s: t.__setitem__("networkMode", "hosts"), "'hosts' is not one of NetworkMode"),
    ("service enum", lambda t, s: s.__setitem__("schedulingStrategy", "DEAMON"), "'DEAMON' is not one of"),
    ("undocumented capability", lambda t, s: t["containerDefinitions"][0]["linuxParameters"]["capabilities"]["add"]
     .append("BPF"), "'BPF' is not a documented valid value"),
    ("missing required", lambda t, s: t.pop("family"), "missing required 'family'"),
    ("extra capability", lambda t, s: t["containerDefinitions"][0]["linuxParameters"]["capabilities"]["add"]
     .append("SYS_RESOURCE"), "capabilities.add must be exactly"),
    ("privileged", lambda t, s: t["containerDefinitions"][0].__setitem__("privileged", True), "privileged must be"),
    ("writable mount", lambda t, s: t["containerDefinitions"][0]["mountPoints"][0].__setitem__("readOnly", False),
     "readOnly must be true"),
    ("desiredCount on a daemon", lambda t, s: s.__setitem__("desiredCount", 1), "takes no desiredCount"),
    ("health check port", lambda t, s: t["containerDefinitions"][0]["healthCheck"].__setitem__(
        "command", ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:9090/healthz"]), "healthCheck must be"),
]


def self_test(shapes, task, service):
    failed = 0
    base = check(shapes, task, service)
    if base:
        print("self-test: the committed files must be valid first:", *base, sep="\n  ")
        return 1
    for name, edit, expect in MUTATIONS:
        t, s = copy.deepcopy(task), copy.deepcopy(service)
        edit(t, s)
        errors = check(shapes, t, s)
        hit = [e for e in errors if expect in e]
        print(f"{'ok  ' if hit else 'MISS'} {name}: {hit[0] if hit else errors}")
        failed += not hit
    print(f"{len(MUTATIONS) - failed} passed, {failed} failed")
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--task", default=ROOT / "deploy/ecs/task-definition.json", type=Path)
    ap.add_argument("--service", default=ROOT / "deploy/ecs/service.json", type=Path)
    ap.add_argument("--self-test", action="store_true")
    a = ap.parse_args()
    shapes = load_model()
    task = json.loads(a.task.read_text())
    service = json.loads(a.service.read_text())
    if a.self_test:
        return self_test(shapes, task, service)
    errors = check(shapes, task, service)
    for e in errors:
        print(f"check_ecs: {e}", file=sys.stderr)
    if errors:
        return 1
    print(f"check_ecs: {a.task.name} and {a.service.name} are valid "
          f"(ECS model of botocore {botocore.__version__}) and meet bpfwatch's needs")
    return 0


if __name__ == "__main__":
    sys.exit(main())

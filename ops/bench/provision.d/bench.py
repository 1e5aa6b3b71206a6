#!/usr/bin/env python3
"""Helpers of ops/bench/provision: time scaling, job documents, /proc sampling, the report.

Subcommands (all output on stdout):
  scale FACTOR DURATIONS QUOTA       -> "LOW_MS..HIGH_MS QUOTA_TEXT POLL_MS" for the scaled run
  jobs STATE N PROVISION TEARDOWN    -> writes the two job files from /_simulator/state
  sample OUT PID...                  -> appends "time pid utime+stime(ticks) rss(kB) hwm(kB)" lines every 0.5 s
  proc PID                           -> "cpu_seconds hwm_kB" of a live process
  report ARGS.json                   -> the tables
"""
import json
import os
import re
import sys
import time
from collections import Counter, defaultdict

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
import ovhsim  # noqa: E402  (ops/lib/ovhsim.py)

TICKS = os.sysconf("SC_CLK_TCK")


def duration_ms(text):
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(ms|s|m|min|h)\s*", text)
    if not match:
        sys.exit(f"not a duration: {text!r} (e.g. 250ms, 10s, 3m)")
    value, unit = float(match.group(1)), match.group(2)
    return value * {"ms": 1, "s": 1000, "m": 60000, "min": 60000, "h": 3600000}[unit]


def scale(factor, durations, quota):
    factor = float(factor)
    low, _, high = durations.partition("..")
    low_ms = duration_ms(low)
    high_ms = duration_ms(high) if high else low_ms
    match = re.fullmatch(r"([0-9]+)/(s|min)", quota)
    if not match:
        sys.exit(f"not a quota: {quota!r} (N/s or N/min)")
    per_second = int(match.group(1)) / (1 if match.group(2) == "s" else 60)
    scaled = per_second / factor
    # The simulator takes whole calls per unit: N/s when that is whole, else N/min.
    quota_text = f"{round(scaled)}/s" if abs(scaled - round(scaled)) < 1e-9 else f"{round(scaled * 60)}/min"
    # Terraform's first look at an OCC task (30 s), scaled: the default poll of the run.
    poll_ms = max(1, round(30000 * factor))
    print(f"{round(low_ms * factor)}ms..{round(high_ms * factor)}ms {quota_text} {poll_ms}ms")


def jobs(state_file, count, provision_file, teardown_file):
    """One L3 service per seeded OCC: link-vrack -> create-pop -> add-datacenter -> add-extra
    (bgp), one `then` chain; its tear-down is one delete-tree. Service i goes to vRack
    pn-(10001+i), as the simulator seeds them (InventoryState.seeded)."""
    state = json.load(open(state_file))
    count = int(count)
    services = state["services"]
    if len(services) < count:
        sys.exit(f"the simulator has {len(services)} services, {count} wanted")
    vracks = set(state["vracks"])
    provision, teardown = [], []
    for index in range(count):
        service = services[index]["service"]
        uuid, interfaces = service["uuid"], service["interfaceList"]
        vrack = ovhsim.vrack_of(index)
        if vrack not in vracks:
            sys.exit(f"vRack {vrack} is not in the simulator's inventory")
        if service.get("vrack"):
            sys.exit(f"service {uuid} is already in vRack {service['vrack']}: start from a fresh simulator")
        name = f"svc{index:04d}"
        provision.append(ovhsim.l3_bgp_service(name, uuid, vrack, interfaces[0], index))
        teardown.append({"type": "delete-tree", "id": f"{name}-teardown", "meta": {"service": name},
                         "args": {"serviceName": uuid}})
    json.dump(provision, open(provision_file, "w"))
    json.dump(teardown, open(teardown_file, "w"))


def read_proc(pid):
    """(cpu seconds, rss kB, peak rss kB) of a live process, None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/status") as handle:
            status = dict(line.split(":", 1) for line in handle if ":" in line)
    except (FileNotFoundError, ProcessLookupError):
        return None
    cpu = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14, 15 of stat)
    return cpu, int(status["VmRSS"].split()[0]), int(status["VmHWM"].split()[0])


def sample(out, *pids):
    with open(out, "a", buffering=1) as handle:
        while True:
            alive = 0
            for pid in pids:
                values = read_proc(pid)
                if values is None:
                    continue
                alive += 1
                handle.write(f"{time.time():.3f} {pid} {values[0]:.2f} {values[1]} {values[2]}\n")
            if not alive:
                return
            time.sleep(0.5)


def proc(pid):
    values = read_proc(pid)
    print("0 0" if values is None else f"{values[0]:.2f} {values[2]}")


# ---------------------------------------------------------------------------------------
# The report

TASK_STARTS = re.compile(r"^/ovhCloudConnect/([^/]+)/config/pop(/\d+(/datacenter(/\d+(/extra(/\d+)?)?)?)?)?$")


def classify(log, state, vrack_of_service, boundaries):
    """Walks the request log in order and gives each call a phase, a service and a kind.

    - work:     POST and DELETE, and every other GET of a service's or its vRack's objects
                (the service, PoP/DC/extra configs and their listings, the vRack link);
    - poll:     GET of the task the service's (or its vRack's) last accepted POST/DELETE
                started: the task the running job is waiting on (one job at a time per
                service, so that task is the running job's own);
    - search:   task listings (GET .../task) and GETs of any other task (an earlier one, a
                past one of --task-history, one another job started);
    - other:    calls not about one service (/auth/time, GET /ovhCloudConnect, GET /vrack).
    The k-th call answered 200 that starts an OCC task on a service (POST/DELETE under
    .../config/pop) started that service's k-th task of this run (tasks of one service get
    increasing ids), and likewise POST /vrack/{v}/ovhCloudConnect for vRack tasks.
    """
    service_of_vrack = {v: s for s, v in vrack_of_service.items()}
    occ_tasks = defaultdict(list)  # service -> live task ids, oldest first
    for entry in state["tasks"]:
        if entry.get("runMilliseconds") is not None:
            occ_tasks[entry["serviceName"]].append(entry["task"]["id"])
    vrack_tasks = defaultdict(list)
    for entry in state["vrackTasks"]:
        vrack_tasks[entry["vrack"]].append(entry["id"])
    for ids in list(occ_tasks.values()) + list(vrack_tasks.values()):
        ids.sort()
    started = Counter()  # service or vrack -> tasks started so far
    current = {}  # service or vrack -> id of its last started task
    mismatches = []
    calls = []
    for line in log:
        path = line["path"]
        if path.startswith("/_simulator"):
            continue
        if path.startswith("/1.0"):
            path = path[4:]
        method, status, when = line["method"], line["status"], line["time"]
        phase = next((i for i, end in enumerate(boundaries) if when <= end), len(boundaries) - 1)
        parts = path.strip("/").split("/")
        service, kind, route = None, "other", path
        if parts[0] == "ovhCloudConnect" and len(parts) >= 2:
            service = parts[1]
            route = "/ovhCloudConnect/{sn}" + "".join("/{id}" if p.isdigit() else "/" + p for p in parts[2:])
            if method in ("POST", "DELETE"):
                kind = "work"
                if status == 200 and TASK_STARTS.match(path):
                    k = started[service]
                    started[service] += 1
                    ids = occ_tasks.get(service, [])
                    if k < len(ids):
                        current[service] = ids[k]
                    else:
                        mismatches.append(f"{method} {path}: no task #{k + 1} of {service} in the state")
            elif len(parts) >= 3 and parts[2] == "task":
                if len(parts) == 3:
                    kind = "search"
                else:
                    kind = "poll" if current.get(service) == int(parts[3]) else "search"
            else:
                kind = "work"
        elif parts[0] == "vrack" and len(parts) >= 2:
            vrack = parts[1]
            service = service_of_vrack.get(vrack)
            route = "/vrack/{v}" + "".join("/{id}" if p.isdigit() else ("/{sn}" if len(p) == 36 else "/" + p) for p in parts[2:])
            if method in ("POST", "DELETE"):
                kind = "work"
                if status == 200 and method == "POST" and len(parts) == 3 and parts[2] == "ovhCloudConnect":
                    k = started[vrack]
                    started[vrack] += 1
                    ids = vrack_tasks.get(vrack, [])
                    if k < len(ids):
                        current[vrack] = ids[k]
                    else:
                        mismatches.append(f"{method} {path}: no vRack task #{k + 1} in the state")
            elif len(parts) >= 3 and parts[2] == "task":
                kind = "search" if len(parts) == 3 else ("poll" if current.get(vrack) == int(parts[3]) else "search")
            else:
                kind = "work"
        if service is None:
            kind = "other"
        calls.append((phase, service, kind, method, route, status))
    return calls, mismatches


def report(args_file):
    args = json.load(open(args_file))
    n = args["services"]
    state = json.load(open(args["state"]))
    log = [json.loads(line) for line in open(args["requestLog"]) if line.strip()]
    log.sort(key=lambda entry: entry["time"])  # already in order; stable for equal times
    phases = args["phases"]  # [{"name", "start", "end"}]
    boundaries = [phase["end"] for phase in phases]
    vrack_of_service = {s["service"]["uuid"]: f"pn-{10001 + i}" for i, s in enumerate(state["services"][:n])}
    ours = set(vrack_of_service)
    calls, mismatches = classify(log, state, vrack_of_service, boundaries)
    rate = args["budgetPerSecond"]
    factor = args["scale"]

    # Tasks of this run, by phase, from the state: OCC add* in provisioning, del* in
    # tear-down, vRack links in provisioning; their drawn run times.
    runs = [defaultdict(float) for _ in phases]  # phase -> service -> ms of task run time
    task_counts = [0 for _ in phases]
    vrack_service = {}
    for entry in state["vrackTasks"]:
        vrack_service[entry["id"]] = entry["serviceName"]
        if entry["serviceName"] in ours:
            runs[0][entry["serviceName"]] += entry["runMilliseconds"]
            task_counts[0] += 1
    for entry in state["tasks"]:
        if entry.get("runMilliseconds") is None or entry["serviceName"] not in ours:
            continue
        phase = 1 if entry["task"]["function"].startswith("del") and len(phases) > 1 else 0
        runs[phase][entry["serviceName"]] += entry["runMilliseconds"]
        task_counts[phase] += 1

    kinds = ["work", "poll", "search"]
    per_phase = [Counter() for _ in phases]
    other = [0 for _ in phases]
    too_many = [0 for _ in phases]
    routes = Counter()
    for phase, service, kind, method, route, status in calls:
        if status == 429:
            too_many[phase] += 1
        if kind == "other" or service not in ours:
            other[phase] += 1
            continue
        per_phase[phase][kind] += 1
        routes[(phases[phase]["name"], kind, method, route)] += 1

    def fmt(x, digits=1):
        return f"{x:,.{digits}f}"

    print(f"machine: {args['machine']}")
    print(f"scale: {factor:g} (1/{1 / factor:g} of real time): real tasks {args['realDurations']} -> {args['scaledDurations']}, "
          f"real quota {args['realQuota']} -> {args['quota']} (simulator --rate-limit = worker --ovh-rate-limit)")
    print(f"run: {n} L3 services (link-vrack -> create-pop -> add-datacenter -> add-extra bgp, then delete-tree), "
          f"{args['workers']} worker process(es), --concurrency {args['concurrency']}, --ovh-task-poll {args['poll']}, "
          f"--task-history {args['taskHistory']}, build {args['build']}")
    print()
    header = ["", *[p["name"] for p in phases], "whole run"]
    rows = []
    totals = Counter()
    for kind in kinds:
        values = [per_phase[i][kind] for i in range(len(phases))]
        totals[kind] = sum(values)
        rows.append([f"{kind} requests per service", *[fmt(v / n) for v in values], fmt(sum(values) / n)])
    all_service = [sum(per_phase[i].values()) for i in range(len(phases))]
    rows.append(["requests per service", *[fmt(v / n) for v in all_service], fmt(sum(all_service) / n)])
    rows.append(["tasks per service", *[fmt(c / n) for c in task_counts], fmt(sum(task_counts) / n)])
    rows.append(["polls per task", *[fmt(per_phase[i]["poll"] / max(1, task_counts[i]), 2) for i in range(len(phases))],
                 fmt(totals["poll"] / max(1, sum(task_counts)), 2)])
    sent = [sum(1 for c in calls if c[0] == i) for i in range(len(phases))]
    rows.append(["requests in all (/auth/time and lists included)", *[f"{v:,}" for v in sent], f"{sum(sent):,}"])
    rows.append(["answered 429", *[f"{v:,} ({100 * v / max(1, s):.2f} %)" for v, s in zip(too_many, sent)],
                 f"{sum(too_many):,} ({100 * sum(too_many) / max(1, sum(sent)):.2f} %)"])
    # Lower bounds.
    walls = [p["end"] - p["start"] for p in phases]
    crit = [max(r.values()) / 1000 if r else 0 for r in runs]
    crit_mean = [sum(r.values()) / len(r) / 1000 if r else 0 for r in runs]
    by_budget = [s / rate for s in sent]
    bound = [max(c, b) for c, b in zip(crit, by_budget)]
    rows.append(["critical path, s (longest service; mean)", *[f"{c:.2f} ({m:.2f})" for c, m in zip(crit, crit_mean)],
                 f"{sum(crit):.2f}"])
    rows.append([f"requests / budget ({rate:g}/s), s", *[f"{b:.1f}" for b in by_budget], f"{sum(by_budget):.1f}"])
    rows.append(["lower bound, s", *[f"{b:.1f}" for b in bound], f"{sum(bound):.1f}"])
    rows.append(["wall time, s", *[f"{w:.1f}" for w in walls], f"{sum(walls):.1f}"])
    rows.append(["wall / lower bound", *[f"{w / b:.2f}" for w, b in zip(walls, bound)], f"{sum(walls) / sum(bound):.2f}"])
    rows.append(["wall in real time (÷ scale)", *[human(w / factor) for w in walls], human(sum(walls) / factor)])
    for role, res in resources(args, sum(walls)).items():
        rows.append([f"{role}: peak RSS MiB; CPU s (share of one core); busiest 1 s", *["" for _ in phases], res])
    width = [max(len(str(row[i])) for row in rows + [header]) for i in range(len(header))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, width)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in width) + "|")
    for row in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, width)) + " |")
    print()
    print("requests per service by route (whole run; kind, method, route):")
    merged = Counter()
    for (phase, kind, method, route), count in routes.items():
        merged[(phase, kind, method, route)] += count
    for (phase, kind, method, route), count in sorted(merged.items(), key=lambda item: (item[0][0] != phases[0]["name"], -item[1])):
        print(f"  {phase:12} {kind:6} {method:6} {route:72} {count / n:6.2f}")
    statuses = Counter((c[5]) for c in calls)
    print(f"statuses: {dict(sorted(statuses.items()))}")
    if mismatches:
        print(f"WARNING: {len(mismatches)} task-starting calls without a matching task in the state, e.g. {mismatches[:3]}")
    for line in args.get("notes", []):
        print(line)


def resources(args, wall):
    """Per role: the largest peak RSS of its processes (VmHWM), their CPU time (utime+stime)
    over the run and its share of one core, and the busiest second of one process."""
    samples = defaultdict(list)
    for line in open(args["samples"]):
        when, pid, cpu, _, _ = line.split()
        samples[pid].append((float(when), float(cpu)))
    out = {}
    for role, pids in args["roles"].items():
        hwm = max(args["final"][str(pid)][1] for pid in pids)
        cpu = sum(args["final"][str(pid)][0] for pid in pids)
        busiest = 0.0
        for pid in pids:
            points = samples.get(str(pid), [])
            for i in range(len(points)):
                j = i
                while j < len(points) and points[j][0] - points[i][0] < 1.0:
                    j += 1
                if j < len(points):
                    busiest = max(busiest, (points[j][1] - points[i][1]) / (points[j][0] - points[i][0]))
        label = f"{len(pids)} × " if len(pids) > 1 else ""
        out[role] = f"{label}{hwm / 1024:.0f}; {cpu:.1f} ({100 * cpu / wall:.0f} %); {100 * busiest:.0f} %"
    return out


def human(seconds):
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


if __name__ == "__main__":
    command, rest = sys.argv[1], sys.argv[2:]
    {"scale": scale, "jobs": jobs, "sample": sample, "proc": proc, "report": report}[command](*rest)

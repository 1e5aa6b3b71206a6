"""Checks 1-4 of ops/chaos (docs/chaos.md): one terminal event per job, the simulator's
state against what the jobs say, every Redis key accounted for, no secret anywhere; and
the events of both queues, read and merged. Python standard library only.
"""
import json
import os
import sys
from collections import Counter, defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ovhsim  # noqa: E402
from work import QUEUES, jobs_of, teardown_ids  # noqa: E402

TERMINAL = ("completed", "failed")
# Sources/JobQueue/QueueKeys.swift: the keys of one queue (`connectq:{Q}:` + these, whole
# or as a prefix) and those every queue of the Redis shares (`QueueKey.sharedName`).
FIXED_KEYS = {"inbox", "events", "waiting", "delayed", "active", "waitingChildren", "waitingResource",
              "completed", "failed", "failedDocs", "retainedBytes", "workers", "workerSeen", "wakeup",
              "idempotency", "sequence", "paused", "settings"}
PREFIX_KEYS = ("job:", "intake:", "job-events:", "fetched:", "request:")
LOCK_HOLDERS = "connectq:{locks}:holders"
LOCK_LINE_PREFIX = "connectq:{locks}:waiting:"
LIBRARIES = "connectq:libraries"
# The queue keys that must be empty once the work is done.
BUSY_KEYS = ["inbox", "waiting", "delayed", "active", "waitingChildren", "waitingResource"]


def prefix_of(queue):
    return f"connectq:{{{queue}}}:"


def decode(value):
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value


def stream_position(entry_id):
    """A stream id `ms-seq` as (ms, seq): Redis's clock in ms, then the order within it."""
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def read_events(client, queue):
    """Every event of one queue, each with `_id`, `_queue` and `_at` (ms, seq)."""
    events = []
    for entry_id, fields in client.stream(prefix_of(queue) + "events"):
        event = {decode(k): decode(v) for k, v in fields.items()}
        event["_id"] = decode(entry_id)
        event["_queue"] = queue
        event["_at"] = stream_position(event["_id"])
        events.append(event)
    return events


def merge_events(per_queue):
    """The events of several queues in one list by time. Within a queue this is the
    stream's own order; across queues only the milliseconds mean anything (two events of
    one ms in two streams have no order)."""
    merged = [e for events in per_queue for e in events]
    merged.sort(key=lambda e: e["_at"])
    return merged


def error_code(event):
    try:
        return (json.loads(event.get("error") or "{}") or {}).get("code")
    except (json.JSONDecodeError, AttributeError):
        return None


def is_cancelled(event):
    return event is not None and event.get("event") == "failed" and error_code(event) == "cancelled"


def result_of(event):
    try:
        return json.loads(event.get("result") or "null") or {}
    except json.JSONDecodeError:
        return {}


# ---------------------------------------------------------------------------------------
# 1. One terminal event per job


def check_events(events, planned, enqueued, stream_infos):
    """1. Every job has exactly one terminal event, every enqueued id is known; `then`
    follow-ups exist exactly when their job completed; nothing happens to a job after its
    terminal event; no job has two attempts at once; every job id is ours (planned, or a
    child of one) and lives in one queue."""
    problems = []
    by_id = defaultdict(list)
    parent_of = {}
    queues_of = defaultdict(set)
    for event in events:
        if "id" not in event:
            continue  # paused / resumed / settings
        by_id[event["id"]].append(event)
        queues_of[event["id"]].add(event.get("_queue"))
        if event.get("parent"):
            parent_of[event["id"]] = event["parent"]
    for queue, info in sorted(stream_infos.items()):
        added, length = info.get("entries-added"), info.get("length")
        if added is not None and added != length:
            problems.append(f"the events stream of {queue} was trimmed ({added} added, {length} left): "
                            "the check cannot be exact")
    for job_id, queues in queues_of.items():
        if len(queues) > 1:
            problems.append(f"job {job_id}: events in several queues ({', '.join(sorted(queues))})")

    def root_known(job_id, depth=0):
        if job_id in planned:
            return True
        parent = parent_of.get(job_id)
        return parent is not None and depth < 20 and root_known(parent, depth + 1)

    outcome = {}
    for job_id, evs in by_id.items():
        terminals = [e for e in evs if e.get("event") in TERMINAL]
        if len(terminals) != 1:
            kinds = ", ".join(e["event"] for e in terminals) or "none"
            problems.append(f"job {job_id}: {len(terminals)} terminal events ({kinds}); its events: "
                            + " ".join(e["event"] for e in evs))
        if terminals:
            outcome[job_id] = terminals[0]
            last = evs.index(terminals[0])
            after = [e["event"] for e in evs[last + 1:]]
            if after:
                problems.append(f"job {job_id}: events after its terminal one: {after}")
        if not root_known(job_id):
            problems.append(f"job {job_id}: not one of ours (no planned job, no parent among them)")
    # Two attempts at once: an `active` while the previous attempt has not been settled
    # (retrying, waiting, completed, failed). A parent that awaited its children runs
    # again with a new `active` and no event of its own in between (docs/queue-engine.md):
    # one of its children ended in between is its settlement.
    running = {}  # job id -> an attempt of it is running
    children_ended = set()  # parents a child of which ended since their last `active`
    for e in events:
        job_id, kind = e.get("id"), e.get("event")
        if job_id is None:
            continue
        if kind == "active":
            if running.get(job_id) and job_id not in children_ended:
                problems.append(f"job {job_id}: a second attempt started before the first was settled "
                                f"(events: {' '.join(x['event'] for x in by_id[job_id])})")
            running[job_id] = True
            children_ended.discard(job_id)
        elif kind in ("retrying", "waiting", *TERMINAL):
            running[job_id] = False
            if kind in TERMINAL and e.get("parent"):
                children_ended.add(e["parent"])
    for job_id in enqueued:
        if job_id not in by_id:
            problems.append(f"enqueued job {job_id} has no event at all (lost)")
    for job_id, (document, parent, relation) in planned.items():
        parent_done = parent is None or (outcome.get(parent, {}).get("event") == "completed")
        if relation == "then":
            if parent_done and job_id not in by_id:
                problems.append(f"follow-up {job_id}: its job {parent} completed, yet it was never created")
            if not parent_done and job_id in by_id and parent in outcome:
                problems.append(f"follow-up {job_id}: created although its job {parent} did not complete")
        elif relation == "children" or parent is None:
            if job_id not in by_id and (parent is None or parent in by_id):
                problems.append(f"job {job_id}: planned and pushed, never seen")
    dynamic = [i for i in by_id if i not in planned]
    stats = {"jobs": len(by_id), "planned": sum(1 for i in by_id if i in planned),
             "delete steps (dynamic children)": len(dynamic),
             "completed": sum(1 for e in outcome.values() if e["event"] == "completed"),
             "failed": sum(1 for e in outcome.values() if e["event"] == "failed"),
             "cancelled": sum(1 for e in outcome.values() if is_cancelled(e)),
             "by queue": dict(sorted(Counter(next(iter(q)) for q in queues_of.values()).items()))}
    return problems, outcome, stats, by_id


# ---------------------------------------------------------------------------------------
# 2. The simulator holds what the completed jobs say


def fate(outcome, job_id):
    event = outcome.get(job_id)
    if event is None:
        return f"{job_id} has no terminal event"
    if event["event"] == "failed":
        return f"{job_id} failed: {event.get('error', '')[:200]}"
    return f"{job_id} completed"


def made_by(outcome, job_id):
    """What a job says it made: the result of a completed job, or of one cancelled after
    it had finished its work (its `failed` event keeps the result)."""
    event = outcome.get(job_id)
    if event is None:
        return None
    if event["event"] == "completed" or (is_cancelled(event) and event.get("result")):
        return result_of(event)
    return None


def same_extra(args, extra):
    """The add-extra args that ask for this extra: its route (subnet) or its BGP neighbour."""
    if extra.get("type") == "bgp":
        return args.get("bgpNeighborIp") == extra.get("bgpNeighborIp")
    return args.get("subnet") == extra.get("subnet")


def check_provisioned(state, services, planned, outcome):
    """2a. After provisioning, the simulator holds exactly what the jobs say they made:
    each link, PoP, DC config and extra a completed job returned (or a cancelled one whose
    work was done), nothing twice, nothing a job did not return (an orphan: made by a job
    that failed, or not recorded). An orphan is explained (a note) only when a job that
    could have made it was cancelled while it ran: the cancel stopped it after it started
    the object, before it could say so."""
    problems, explained = [], []
    links, pops, dcs, extras = ovhsim.objects(state)
    ours = {s["uuid"]: s for s in services}
    by_vrack = {s["vrack"]: s for s in services}

    def orphan(what, service, candidates):
        cancelled = [j for j in candidates if is_cancelled(outcome.get(j))]
        if cancelled:
            explained.append(f"{what} of {service['name']}: left by {', '.join(cancelled)}, cancelled while it ran")
        else:
            problems.append(f"orphan {what} on {service['name'] if service else '?'} "
                            f"({'; '.join(fate(outcome, j) for j in candidates) or 'no job of ours'})")

    expected_pops, expected_dcs, expected_extras = set(), set(), set()
    for job_id, (document, _, _) in planned.items():
        result = made_by(outcome, job_id)
        if result is None:
            continue
        if document["type"] == "create-pop":
            expected_pops.add((result.get("serviceName"), result.get("popId")))
        elif document["type"] == "add-datacenter":
            expected_dcs.add(result.get("datacenterConfigId"))
        elif document["type"] == "add-extra":
            expected_extras.add(result.get("extraId"))
    for service in services:
        link_jobs = jobs_of(service, planned, "link-vrack")
        have = links.get(service["uuid"])
        if any(outcome.get(j, {}).get("event") == "completed" for j in link_jobs):
            if have != service["vrack"]:
                problems.append(f"{service['name']}: link-vrack completed, yet the service is in vRack {have}")
        elif have is not None:
            orphan(f"link to {have}", service, link_jobs)
    counts = Counter()
    per_interface = Counter()
    for uuid, pop in pops:
        per_interface[(uuid, pop["interfaceId"])] += 1
        counts["pops"] += 1
        if (uuid, pop["id"]) not in expected_pops:
            service = ours.get(uuid)
            orphan(f"PoP config {pop['id']}", service, jobs_of(service, planned, "create-pop") if service else [])
    for (uuid, interface), n in per_interface.items():
        if n > 1:
            problems.append(f"duplicate: {n} PoP configs on interface {interface} of {uuid}")
    found_pops = {(uuid, pop["id"]) for uuid, pop in pops}
    for missing in expected_pops - found_pops:
        problems.append(f"PoP config {missing[1]} of {missing[0]}: a job completed with it, the simulator does not have it")
    per_dc = Counter()
    for vrack, users, config in dcs:
        counts["datacenter configs"] += 1
        per_dc[(vrack, config["datacenterId"])] += 1
        if config["id"] not in expected_dcs:
            service = by_vrack.get(vrack)
            candidates = [j for j in (jobs_of(service, planned, "add-datacenter") if service else [])
                          if planned[j][0]["args"].get("datacenterId") == config["datacenterId"]]
            orphan(f"datacenter config {config['id']} (datacenter {config['datacenterId']}) in {vrack}", service, candidates)
    for (vrack, datacenter), n in per_dc.items():
        if n > 1:
            problems.append(f"duplicate: {n} datacenter configs for datacenter {datacenter} in {vrack}")
    found_dcs = {config["id"] for _, _, config in dcs}
    for missing in expected_dcs - found_dcs:
        problems.append(f"datacenter config {missing}: a job completed with it, the simulator does not have it")
    per_spec = Counter()
    for vrack, config_id, extra in extras:
        counts["extras"] += 1
        spec = (config_id, extra["type"], extra.get("subnet"), extra.get("nextHop"), extra.get("bgpNeighborIp"))
        per_spec[spec] += 1
        if extra["id"] not in expected_extras:
            service = by_vrack.get(vrack)
            candidates = [j for j in (jobs_of(service, planned, "add-extra") if service else [])
                          if same_extra(planned[j][0]["args"], extra)]
            orphan(f"extra {extra['id']} ({extra['type']}) on datacenter config {config_id} in {vrack}", service, candidates)
    for spec, n in per_spec.items():
        if n > 1:
            problems.append(f"duplicate: {n} extras {spec[1]} {spec[2] or spec[4]} on datacenter config {spec[0]}")
    found_extras = {extra["id"] for _, _, extra in extras}
    for missing in expected_extras - found_extras:
        problems.append(f"extra {missing}: a job completed with it, the simulator does not have it")
    counts["links"] = sum(1 for s in services if links.get(s["uuid"]))
    return problems, counts, explained


def check_torn_down(state, before, services, outcome):
    """2b. After the tear-down nothing is left: no PoP, DC config or extra on any of our
    services; the links stay (there is no unlink job). What is left is explained (a note)
    only when every delete-tree of its service failed (an OVH task ended in error, a step
    failed, or an operator cancelled it). Each completed delete-tree counted what its
    service held: exactly, when it was the service's only one; at most that, with two
    (from two queues), the first to read the tree counting it all when both completed."""
    problems, explained = [], []
    links, pops, dcs, extras = ovhsim.objects(state)
    by_uuid = {s["uuid"]: s for s in services}
    by_vrack = {s["vrack"]: s for s in services}

    def left(service, what):
        trees = teardown_ids(service) if service else []
        ends = [outcome.get(t) for t in trees]
        if ends and all(e is not None and e["event"] == "failed" for e in ends):
            codes = ", ".join(f"{t}: {error_code(e)}" for t, e in zip(trees, ends))
            explained.append(f"{what} of {service['name']} left: its delete-tree failed ({codes})")
        else:
            fates = ", ".join(f"{t}: {'no terminal event' if e is None else e['event']}" for t, e in zip(trees, ends))
            problems.append(f"left after tear-down: {what} of {service['name'] if service else '?'} ({fates or 'no delete-tree'})")

    for uuid, pop in pops:
        left(by_uuid.get(uuid), f"PoP config {pop['id']}")
    for vrack, users, config in dcs:
        left(by_vrack.get(vrack), f"datacenter config {config['id']}")
    for vrack, config_id, extra in extras:
        left(by_vrack.get(vrack), f"extra {extra['id']} on datacenter config {config_id}")
    _, pops0, dcs0, extras0 = ovhsim.objects(before)
    for service in services:
        held = {"pops": sum(1 for u, _ in pops0 if u == service["uuid"]),
                "datacenters": sum(1 for v, _, _ in dcs0 if v == service["vrack"]),
                "extras": sum(1 for v, _, _ in extras0 if v == service["vrack"])}
        trees = teardown_ids(service)
        counted = {}
        for tree in trees:
            event = outcome.get(tree)
            if event is not None and event["event"] == "completed":
                deleted = result_of(event).get("deleted", {})
                counted[tree] = {k: deleted.get(k, 0) for k in held}
        for tree, deleted in counted.items():
            if len(trees) == 1 and deleted != held:
                problems.append(f"{tree} completed with deleted {deleted}; the service held {held}")
            elif any(deleted[k] > held[k] for k in held):
                problems.append(f"{tree} completed with deleted {deleted}, more than the service held {held}")
        if len(trees) > 1 and len(counted) == len(trees) and held not in counted.values():
            problems.append(f"{service['name']}: both delete-trees completed and neither counted what it held "
                            f"{held}: {counted}")
    return problems, explained


# ---------------------------------------------------------------------------------------
# 3. Every key accounted for


def sizes(client, keys):
    """Entries of each key, whatever its type (`waiting` was a list, is a sorted set
    since priorities): TYPE, then the type's count, two round trips."""
    from resp import RedisReplyError
    kinds = client.pipeline([["TYPE", key] for key in keys])
    count = {"list": "LLEN", "zset": "ZCARD", "hash": "HLEN", "set": "SCARD", "stream": "XLEN", "string": "STRLEN"}
    replies = client.pipeline([[count.get(kind, "EXISTS"), key] for key, kind in zip(keys, kinds)])
    for reply in replies:
        if isinstance(reply, RedisReplyError):
            raise reply
    return replies


def check_keys(client, known_ids):
    """3. Every key is one the engine names (per queue, or shared by every queue of the
    Redis); every job record and job event list is one of that queue's jobs, and every
    record is finished; nothing waiting, active, delayed or held, no line for a resource;
    no intake list left; a fetch's reply kept only until it expires."""
    problems, notes = [], []
    keys = sorted(decode(k) for k in client.scan_keys("*"))
    kinds = Counter()
    job_states = Counter()
    prefixes = {prefix_of(q): q for q in QUEUES}
    for key in keys:
        if key.startswith("connectq:budget:{") and key.endswith("}"):
            kinds["budget"] += 1
            continue
        if key == LIBRARIES:
            kinds["libraries"] += 1
            continue
        if key == LOCK_HOLDERS:
            held = client("HGETALL", key)
            pairs = {decode(k): decode(v) for k, v in zip(held[::2], held[1::2])}
            if pairs:
                problems.append(f"resources still held at the end: {pairs}")
            continue
        if key.startswith(LOCK_LINE_PREFIX):
            line = [decode(v) for v in client("LRANGE", key, 0, -1)]
            problems.append(f"jobs left in line for resource {key[len(LOCK_LINE_PREFIX):]}: {line}")
            continue
        queue_prefix = next((p for p in prefixes if key.startswith(p)), None)
        if queue_prefix is None:
            problems.append(f"key outside the queues: {key}")
            continue
        queue, rest = prefixes[queue_prefix], key[len(queue_prefix):]
        if rest in FIXED_KEYS:
            kinds[rest] += 1
            continue
        prefix = next((p for p in PREFIX_KEYS if rest.startswith(p)), None)
        if prefix is None:
            problems.append(f"key the engine does not name: {key}")
            continue
        kinds[prefix] += 1
        name = rest[len(prefix):]
        if prefix == "job:":
            if name not in known_ids.get(queue, ()):
                problems.append(f"job record of an unknown job: {key}")
            state = decode(client("HGET", key, "state"))
            job_states[state] += 1
            if state not in TERMINAL:
                problems.append(f"job {name} of {queue} left in state {state}")
        elif prefix == "job-events:":
            if name not in known_ids.get(queue, ()):
                problems.append(f"event list of an unknown job: {key}")
        elif prefix == "intake:":
            problems.append(f"intake list of worker {name} left with {client('LLEN', key)} entries")
        elif prefix == "fetched:":
            if client("PTTL", key) < 0:
                problems.append(f"a fetch's reply kept for good: {key}")
        elif prefix == "request:":
            if client("PTTL", key) < 0:
                problems.append(f"an API idempotency record kept for good: {key}")
    for queue in QUEUES:
        busy = [prefix_of(queue) + name for name in BUSY_KEYS]
        for key, n in zip(busy, sizes(client, busy)):
            if n:
                problems.append(f"{key} holds {n} entries at the end")
        if client("EXISTS", prefix_of(queue) + "paused"):
            problems.append(f"{queue} is left paused")
        stale = [decode(w) for w in client("ZRANGE", prefix_of(queue) + "workers", 0, -1)]
        if stale:
            notes.append(f"{queue}: {len(stale)} worker heartbeat(s) left after every worker stopped "
                         "(killed ones not yet swept)")
    stats = {"keys": len(keys), "job records": kinds["job:"], "job records by state": dict(job_states)}
    return problems, notes, stats


# ---------------------------------------------------------------------------------------
# 4. No secret anywhere


def check_secrets_in_redis(client, markers):
    """4a. No marker in any key name or any value of any key (strings, hashes, lists, sets,
    sorted sets, streams)."""
    problems = []
    needles = {name: value.encode() for name, value in markers.items()}
    scanned_values = 0
    for key in client.scan_keys("*"):
        values = [key, *client.values(key)]
        scanned_values += len(values)
        for value in values:
            if not isinstance(value, bytes):
                continue
            for name, needle in needles.items():
                if needle in value:
                    problems.append(f"{name} in Redis key {decode(key)}: …{excerpt(value, needle)}…")
    return problems, scanned_values


def check_secrets_in_files(markers, work, skip):
    """4b. No marker in any file of the run (logs, AOF, events, request log, CLI outputs)."""
    problems = []
    needles = {name: value.encode() for name, value in markers.items()}
    scanned_files = 0
    for directory, subdirectories, files in os.walk(work):
        if ".bin" in subdirectories:
            subdirectories.remove(".bin")  # the binaries under test, copied there by ops/chaos
        for file in files:
            path = os.path.join(directory, file)
            if os.path.abspath(path) in skip:
                continue
            scanned_files += 1
            with open(path, "rb") as handle:
                data = handle.read()
            for name, needle in needles.items():
                if needle in data:
                    problems.append(f"{name} in {os.path.relpath(path, work)} ({data.count(needle)}×): …{excerpt(data, needle)}…")
    return problems, scanned_files


def excerpt(data, needle):
    at = data.find(needle)
    return data[max(0, at - 80): at + len(needle) + 40].decode("utf-8", errors="replace").replace("\n", " ")

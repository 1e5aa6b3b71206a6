"""Check 7 of ops/chaos: a cancel is a fence (docs/contract.md, "Guarantees"; docs/queue-
engine.md, "Operators' transitions").

Each cancel the run made is recorded with the wall-clock times (ms) it was sent and
answered, what `connectq cancel` printed, and the jobs of its queue still `active` right
after the answer (`connectq jobs --state active`). Stream ids and the simulator's request
log use the same clock as the run (one machine), so they compare with those times.
"""
from collections import Counter, defaultdict

from checks import TERMINAL, is_cancelled
from work import teardown_ids

DELETE_STEPS = ("delete-pop", "delete-datacenter", "delete-extra")
# How much later than the bound a DELETE's answer may be written to the request log: the
# simulator writes each line as its answer goes out, after its latency, on a loaded machine.
LOG_MARGIN_S = 1.0


def outcome_of(record):
    """What `connectq cancel` printed for the job: `cancelled`, `cancel requested`,
    `already completed`, `already failed`, `unknown`, or `error` (no answer: Redis down)."""
    for line in record.get("stdout", "").splitlines():
        if line.startswith(record["id"] + ": "):
            text = line[len(record["id"]) + 2:]
            return "cancel requested" if text.startswith("cancel requested") else text
    return "error"


def ms_of(event):
    return event["_at"][0]


def descendants(job_id, children_of):
    out, stack = [], list(children_of.get(job_id, ()))
    while stack:
        child = stack.pop()
        out.append(child)
        stack.extend(children_of.get(child, ()))
    return out


def check_cancels(cancels, by_id, planned, services, request_log, latency_s):
    """7. For every cancel: the job's one terminal event agrees with the answer (`cancelled`
    and `cancel requested`: failed, code `cancelled`, never completed; `already X`: X,
    before the answer); no `active` event and no job with it as `parent` after the answer;
    a job cancelled at once takes its unfinished children with it (each ends `cancelled`).
    For a service whose every delete-tree was cancelled: no DELETE on it in the request log
    later than the moment the last of them had stopped: the answer, or, for a delete step
    still running then (it learns at its next lease renewal, or its lease runs out), that
    step's own end; plus the simulator's latency and a margin."""
    problems = []
    outcomes = Counter()
    children_of = defaultdict(list)
    for job_id, evs in by_id.items():
        for e in evs:
            if e.get("event") == "accepted" and e.get("parent"):
                parent = e["parent"]
                relation = planned.get(job_id, (None, None, None))[2]
                if relation != "then":
                    children_of[parent].append(job_id)
                break
    stopped_at = {}  # delete-tree id -> ms by which all its work had stopped
    for record in cancels:
        job_id = record["id"]
        outcome = outcome_of(record)
        outcomes[outcome] += 1
        answer = record["answered_ms"]
        evs = by_id.get(job_id, [])
        terminals = [e for e in evs if e.get("event") in TERMINAL]
        terminal = terminals[0] if len(terminals) == 1 else None
        said = f"cancel of {job_id} ({record['queue']}) answered '{outcome}'"
        if outcome == "error":
            continue  # Redis was out of reach: nothing was asked of the engine
        if terminal is None:
            problems.append(f"{said}: {len(terminals)} terminal events")
            continue
        if outcome in ("cancelled", "cancel requested"):
            if not is_cancelled(terminal):
                problems.append(f"{said}, yet it ended {terminal['event']} ({terminal.get('error', terminal.get('result', ''))[:120]})")
            if outcome == "cancelled" and ms_of(terminal) > answer:
                problems.append(f"{said}, yet its failed event ({terminal['_id']}) came after the answer")
            late_active = [e["_id"] for e in evs if e.get("event") == "active" and ms_of(e) > answer]
            if late_active:
                problems.append(f"{said}: an attempt started after the answer ({', '.join(late_active)})")
            late_children = [c for c in by_id if any(e.get("event") == "accepted" and e.get("parent") == job_id
                                                     and ms_of(e) > answer for e in by_id[c])]
            if late_children:
                problems.append(f"{said}: jobs made after the answer with it as parent: {', '.join(sorted(late_children))}")
        elif outcome.startswith("already "):
            state = outcome[len("already "):]
            if terminal["event"] != state or ms_of(terminal) > answer:
                problems.append(f"{said}, yet it ended {terminal['event']} at {terminal['_id']}")
        else:
            problems.append(f"{said}: a job a listing had just shown")
        if outcome == "cancelled":
            for child in descendants(job_id, children_of):
                ends = [e for e in by_id.get(child, []) if e.get("event") in TERMINAL]
                if ends and ends[0]["_at"] > terminal["_at"] and not is_cancelled(ends[0]):
                    problems.append(f"{said}: its child {child}, unfinished then, ended {ends[0]['event']}, not cancelled")
        if (outcome in ("cancelled", "cancel requested") and is_cancelled(terminal)
                and planned.get(job_id, ({},))[0].get("type") == "delete-tree"):
            listing = record.get("active_after")
            # No listing after the cancel (Redis was down): any of its steps may have run on.
            running = set(listing) if listing is not None else set(descendants(job_id, children_of))
            ends = [record.get("listed_ms", answer)]
            for step in descendants(job_id, children_of):
                if step in running:
                    step_end = [e for e in by_id.get(step, []) if e.get("event") in TERMINAL]
                    ends.append(ms_of(step_end[0]) if step_end else float("inf"))
            stopped_at[job_id] = max(stopped_at.get(job_id, 0), *ends)
    late_deletes, lags = [], []
    for service in services:
        trees = teardown_ids(service)
        if not all(t in stopped_at for t in trees):
            continue  # a delete-tree of it not cancelled may delete later
        bound = max(stopped_at[t] for t in trees) / 1000 + latency_s + LOG_MARGIN_S
        # DELETEs answered after the last of its cancels: those on the wire then, or sent by
        # a step that had not yet learnt of it.
        last_answer = max(r["answered_ms"] for r in cancels if r["id"] in trees) / 1000
        for line in request_log:
            if line["method"] != "DELETE" or f"/ovhCloudConnect/{service['uuid']}/" not in line["path"] + "/":
                continue
            if line["time"] > last_answer:
                lags.append(line["time"] - last_answer)
            if line["time"] > bound:
                late_deletes.append(f"{service['name']}: DELETE {line['path']} answered {line['time'] - bound:.2f} s "
                                    f"past the bound ({', '.join(trees)} cancelled, all stopped by then)")
    problems.extend(late_deletes)
    stats = {"cancels": len(cancels), "by outcome": dict(outcomes.most_common()),
             "delete-tree services cancelled": sum(1 for s in services if all(t in stopped_at for t in teardown_ids(s))),
             "DELETEs answered after a cancel": len(lags), "latest": max(lags, default=0.0)}
    return problems, stats


def cancel_summary(stats):
    by = stats["by outcome"]
    parts = [f"{n} {o}" for o, n in by.items()]
    return f"{stats['cancels']} ({', '.join(parts) or 'none'})"


"""Check 6 of ops/chaos: one job at a time per OVH resource, across every queue of the Redis.

From the events of both queues, each job's spans of holding each of its resources, by the
rule of Sources/JobQueue/Lua/helpers/resources.lua (docs/ovh-budget.md, "One job at a time
per resource"):
- a job holds all its resources from its `active` event (a new attempt: `fetch` took them
  all, or they were handed to it before);
- at a `waiting` event with reason `resource` for key K it holds exactly those of its keys
  sorted before K (it climbs its keys in sorted order, keeping those it has) and none from K
  on;
- it gives all back at `completed`, `failed` and `retrying` (`retry`), and when it awaits
  children (`awaitChildren`, no event of its own: its children's `accepted` events, with
  `parent` = the job, come in the same step);
- it keeps them through a durable wait (`waiting`, reason `task`, `rate-limit`,
  `unknown-type`), a hand-back (`waiting`, reason `worker-stopped`) and a stall
  (`retrying` with code `stalled`, `recoverStalled`), and through the resumption of a
  durable wait (which emits no event).
A job also holds resources before its `active` when they were handed to it in the line
(and before its `waiting` event when it climbs on from a hand-over); a span that starts at
those events is never longer than the true holding.

A hand-over happens inside the step that frees the resource, and that step writes the
releasing job's own event (`completed`, …) after the hand-over's: the new holder's
`waiting` event (it climbs on to its next key, busy) can come first, a millisecond or
more earlier when the step crosses one. So a span that starts at such a `waiting` event
and overlaps the end of another job's span is no overlap when that other job's closing
event is its very next one and comes within one step (HANDOVER_STEP_MS): it was the
hand-over. Any other overlap is two jobs that truly held one resource at once.

Times are stream ids: within one queue their order is exact, across the two streams only
the millisecond is (a hand-over and the next holder's start may share one ms), so spans
of two queues overlap only when one starts a whole millisecond before the other ended.
"""
from collections import Counter, defaultdict

from checks import error_code

KEEPS_ON_RETRY = ("stalled",)
# The longest one Lua step (a release and its hand-overs) is taken to last.
HANDOVER_STEP_MS = 50


def before(a, b):
    """Event a happened before event b: exact within one queue's stream, by ms across two."""
    if a["_queue"] == b["_queue"]:
        return a["_at"] < b["_at"]
    return a["_at"][0] < b["_at"][0]


def holding_spans(events, resources_of):
    """resource -> [span]; a span is {"queue", "id", "from": event, "to": event or None,
    "before_end": the job's event before `to`}.
    resources_of: (queue, job id) -> its resource keys (its record's `resources`)."""
    spans = defaultdict(list)
    open_spans = {}  # (queue, id, key) -> span
    last_event = {}  # (queue, id) -> its latest event so far

    def open_(queue, job_id, key, event):
        if (queue, job_id, key) not in open_spans:
            span = {"queue": queue, "id": job_id, "key": key, "from": event, "to": None}
            open_spans[(queue, job_id, key)] = span
            spans[key].append(span)

    def close(queue, job_id, key, event):
        span = open_spans.pop((queue, job_id, key), None)
        if span is not None:
            span["to"] = event
            span["before_end"] = last_event.get((queue, job_id))

    for event in events:
        job_id, kind, queue = event.get("id"), event.get("event"), event.get("_queue")
        if job_id is None:
            continue
        keys = sorted(resources_of.get((queue, job_id), ()))
        if kind == "active":
            for key in keys:
                open_(queue, job_id, key, event)
        elif kind == "waiting" and event.get("reason") == "resource":
            busy = event.get("resource", "")
            for key in keys:
                (open_ if key < busy else close)(queue, job_id, key, event)
        elif kind in ("completed", "failed") or (kind == "retrying" and error_code(event) not in KEEPS_ON_RETRY):
            for key in keys:
                close(queue, job_id, key, event)
        if kind == "accepted" and event.get("parent"):
            parent = event["parent"]
            for key in resources_of.get((queue, parent), ()):
                close(queue, parent, key, event)
        last_event[(queue, job_id)] = event
    return spans


def handed_over(earlier, later):
    """`later` starts at a `waiting` event written in the step that ended `earlier`: the
    earlier holder's closing event is its next after it, within one step."""
    start, end = later["from"], earlier["to"]
    if start.get("event") != "waiting" or end is None:
        return False
    nothing_between = earlier.get("before_end") is None or not before(start, earlier["before_end"])
    return nothing_between and 0 <= end["_at"][0] - start["_at"][0] <= HANDOVER_STEP_MS


def describe(span):
    end = span["to"]["_id"] if span["to"] else "the end"
    return f"{span['id']} ({span['queue']}, {span['from']['_id']} to {end})"


def check_resource_spans(events, resources_of):
    """6. Per resource, no two holding spans overlap, whichever their queues."""
    problems = []
    spans = holding_spans(events, resources_of)
    handovers_across = 0
    shared = 0
    for key, line in sorted(spans.items()):
        line.sort(key=lambda s: s["from"]["_at"])
        if len({s["queue"] for s in line}) > 1:
            shared += 1
        for i, a in enumerate(line):
            for b in line[i + 1:]:
                if a["id"] == b["id"] and a["queue"] == b["queue"]:
                    continue
                a_ends_after_b_starts = a["to"] is None or before(b["from"], a["to"])
                b_ends_after_a_starts = b["to"] is None or before(a["from"], b["to"])
                if a_ends_after_b_starts and b_ends_after_a_starts and not (handed_over(a, b) or handed_over(b, a)):
                    problems.append(f"{key}: held at once by {describe(a)} and {describe(b)}")
        handovers_across += sum(1 for a, b in zip(line, line[1:]) if a["queue"] != b["queue"])
    stats = {"spans": sum(len(v) for v in spans.values()), "resources": len(spans),
             "resources used from both queues": shared, "consecutive holders in different queues": handovers_across}
    return problems, stats


def waiting_lines(events):
    """How many jobs waited on one resource at once, at most (a job is in the line of K
    from its `waiting` event with reason `resource` for K until its next event), and how
    many of those waits were on a holder in the other queue."""
    line_of = {}  # (queue, id) -> key
    lines = defaultdict(set)
    largest, largest_key = 0, None
    across = Counter()
    for event in events:
        job_id = event.get("id")
        if job_id is None:
            continue
        job = (event["_queue"], job_id)
        if job in line_of:
            lines[line_of.pop(job)].discard(job)
        if event.get("event") == "waiting" and event.get("reason") == "resource":
            key = event.get("resource", "")
            line_of[job] = key
            lines[key].add(job)
            across["waits"] += 1
            if event.get("holderQueue") and event["holderQueue"] != event["_queue"]:
                across["on a holder in the other queue"] += 1
            if len(lines[key]) > largest:
                largest, largest_key = len(lines[key]), key
    return largest, largest_key, dict(across)

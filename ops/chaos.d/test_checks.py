#!/usr/bin/env python3
"""The checks of ops/chaos can fail: each is fed a planted defect (a job run twice, a lost
job, an orphan, a duplicate, a stray key, a stuck job, a leaked secret, two jobs holding
one resource from two queues, a job run or parenting after its cancel, a DELETE after a
cancelled delete-tree) and must name it. ops/chaos runs this before every run:
`python3 ops/chaos.d/test_checks.py`."""
import itertools
import json
import os
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cancel_fences  # noqa: E402
import checks  # noqa: E402
import resource_spans  # noqa: E402
from work import walk  # noqa: E402

A, B = "chaos-a", "chaos-b"
P = checks.prefix_of(A)
CLOCK = itertools.count(1000)


def event(kind, job_id, queue=A, at=None, seq=0, **fields):
    """One event as read_events gives it; `at` (ms) defaults to the next tick of a clock."""
    ms = next(CLOCK) if at is None else at
    out = {"event": kind, "id": job_id, "_queue": queue, "_at": (ms, seq), "_id": f"{ms}-{seq}"}
    out.update({k: json.dumps(v) if isinstance(v, dict) else v for k, v in fields.items()})
    return out


def cancelled_error():
    return {"code": "cancelled", "retryable": False, "message": "cancelled by an operator"}


def planned_chain():
    root = {"type": "link-vrack", "id": "s-link", "args": {"serviceName": "u1", "vrack": "pn-10001"},
            "then": [{"type": "create-pop", "id": "s-pop", "args": {"type": "l2", "interfaceId": 101}}]}
    return walk(root)


class EventsCheck(unittest.TestCase):
    def good(self):
        return [event("accepted", "s-link"), event("active", "s-link"),
                event("completed", "s-link", result={"serviceName": "u1", "vrack": "pn-10001"}),
                event("accepted", "s-pop", parent="s-link"), event("active", "s-pop", parent="s-link"),
                event("completed", "s-pop", parent="s-link", result={"serviceName": "u1", "popId": 7})]

    def test_clean_run_passes(self):
        problems, _, stats, _ = checks.check_events(self.good(), planned_chain(), ["s-link"],
                                                    {A: {"entries-added": 6, "length": 6}})
        self.assertEqual(problems, [])
        self.assertEqual(stats["completed"], 2)

    def test_job_completed_twice(self):
        events = self.good() + [event("completed", "s-pop", parent="s-link", result={"popId": 8})]
        problems = checks.check_events(events, planned_chain(), ["s-link"], {})[0]
        self.assertTrue(any("s-pop: 2 terminal events" in p for p in problems), problems)

    def test_lost_job_and_missing_follow_up(self):
        events = self.good()[:3]
        problems = checks.check_events(events, planned_chain(), ["s-link", "s-other"], {})[0]
        self.assertTrue(any("s-other has no event" in p for p in problems), problems)
        self.assertTrue(any("follow-up s-pop" in p for p in problems), problems)

    def test_stuck_job_and_stranger(self):
        events = self.good()[:2] + [event("accepted", "stranger")]
        problems = checks.check_events(events, planned_chain(), ["s-link"], {})[0]
        self.assertTrue(any("s-link: 0 terminal events" in p for p in problems), problems)
        self.assertTrue(any("stranger: not one of ours" in p for p in problems), problems)

    def test_two_attempts_at_once(self):
        events = self.good()
        events.insert(2, event("active", "s-link"))
        problems = checks.check_events(events, planned_chain(), ["s-link"], {})[0]
        self.assertTrue(any("s-link: a second attempt started" in p for p in problems), problems)

    def test_retried_attempts_are_not_two_at_once(self):
        events = self.good()
        events[2:2] = [event("retrying", "s-link"), event("active", "s-link"), event("waiting", "s-link"),
                       event("active", "s-link")]
        self.assertEqual(checks.check_events(events, planned_chain(), ["s-link"], {})[0], [])

    def test_trimmed_stream(self):
        problems = checks.check_events(self.good(), planned_chain(), ["s-link"], {B: {"entries-added": 9, "length": 6}})[0]
        self.assertTrue(any("events stream of chaos-b was trimmed" in p for p in problems), problems)

    def test_one_id_in_two_queues(self):
        events = self.good() + [event("accepted", "s-pop", queue=B, parent="s-link")]
        problems = checks.check_events(events, planned_chain(), ["s-link"], {})[0]
        self.assertTrue(any("s-pop: events in several queues (chaos-a, chaos-b)" in p for p in problems), problems)


def state(pops=(), dcs=(), vrack="pn-10001"):
    return {"services": [{"service": {"uuid": "u1", "vrack": vrack, "interfaceList": [101]},
                          "pops": [{"id": i, "interfaceId": 101} for i in pops]}],
            "datacenterConfigs": [{"vrack": "pn-10001", "users": ["u1"], "config": {"id": i, "datacenterId": d},
                                   "extras": [{"id": e, "type": "bgp", "bgpNeighborIp": ip} for e, ip in extras]}
                                  for i, d, extras in dcs]}


def twin_planned():
    """s's chain, and its twin's (`s-twin-…`) in the other queue, as work.py plans them."""
    planned = planned_chain()
    twin = {"type": "link-vrack", "id": "s-twin-link", "args": {"serviceName": "u1", "vrack": "pn-10001"},
            "then": [{"type": "create-pop", "id": "s-twin-pop", "args": {"type": "l2", "interfaceId": 101}}]}
    return walk(twin, out=planned)


class StateCheck(unittest.TestCase):
    services = [{"name": "s", "uuid": "u1", "vrack": "pn-10001", "shape": "l2-2dc", "twin": False}]
    twins = [dict(services[0], twin=True)]

    def outcome(self, pop_done=True):
        return {"s-link": {"event": "completed", "result": "{}"},
                "s-pop": {"event": "completed" if pop_done else "failed",
                          "result": json.dumps({"serviceName": "u1", "popId": 7}), "error": "{}"}}

    def test_matching_state_passes(self):
        self.assertEqual(checks.check_provisioned(state(pops=[7]), self.services, planned_chain(), self.outcome())[0], [])

    def test_orphan_and_duplicate(self):
        problems = checks.check_provisioned(state(pops=[7, 9]), self.services, planned_chain(), self.outcome())[0]
        self.assertTrue(any("orphan PoP config 9" in p for p in problems), problems)
        self.assertTrue(any("duplicate: 2 PoP configs" in p for p in problems), problems)

    def test_orphan_of_a_failed_job(self):
        problems = checks.check_provisioned(state(pops=[7]), self.services, planned_chain(), self.outcome(pop_done=False))[0]
        self.assertTrue(any("orphan PoP config 7" in p and "s-pop failed" in p for p in problems), problems)

    def test_orphan_of_a_cancelled_job_is_explained(self):
        outcome = {"s-link": {"event": "completed", "result": "{}"},
                   "s-pop": {"event": "failed", "error": json.dumps(cancelled_error())}}
        problems, _, explained = checks.check_provisioned(state(pops=[7]), self.services, planned_chain(), outcome)
        self.assertEqual(problems, [])
        self.assertTrue(any("PoP config 7" in n and "s-pop, cancelled" in n for n in explained), explained)

    def test_orphan_extra_is_explained_by_its_own_job_only(self):
        planned = planned_chain()
        for k, ip in ((1, "10.0.0.5"), (2, "10.0.0.6")):
            planned[f"s-bgp{k}"] = ({"type": "add-extra", "id": f"s-bgp{k}", "args": {"type": "bgp", "bgpNeighborIp": ip}},
                                    "s-dc", "then")
        outcome = dict(self.outcome(), **{"s-bgp1": {"event": "failed", "error": json.dumps(cancelled_error())},
                                          "s-bgp2": {"event": "failed", "error": json.dumps({"code": "ovh_api"})}})
        s = state(pops=[7], dcs=[(11, 3, [(21, "10.0.0.5"), (22, "10.0.0.6")])])
        problems, _, explained = checks.check_provisioned(s, self.services, planned, outcome)
        self.assertTrue(any("orphan extra 22" in p and "s-bgp2 failed" in p for p in problems), problems)
        self.assertTrue(any("extra 21" in n and "s-bgp1, cancelled" in n for n in explained), explained)
        self.assertFalse(any("extra 21" in p for p in problems), problems)

    def test_object_of_a_cancelled_job_that_finished_is_expected(self):
        outcome = {"s-link": {"event": "completed", "result": "{}"},
                   "s-pop": {"event": "failed", "error": json.dumps(cancelled_error()),
                             "result": json.dumps({"serviceName": "u1", "popId": 7})}}
        problems, _, explained = checks.check_provisioned(state(pops=[7]), self.services, planned_chain(), outcome)
        self.assertEqual((problems, explained), ([], []))

    def test_twins_in_two_queues_share_one_pop(self):
        outcome = dict(self.outcome(), **{"s-twin-link": {"event": "completed", "result": "{}"},
                                          "s-twin-pop": {"event": "completed",
                                                         "result": json.dumps({"serviceName": "u1", "popId": 7})}})
        self.assertEqual(checks.check_provisioned(state(pops=[7]), self.twins, twin_planned(), outcome)[0], [])

    def test_twins_in_two_queues_making_two_pops(self):
        outcome = dict(self.outcome(), **{"s-twin-link": {"event": "completed", "result": "{}"},
                                          "s-twin-pop": {"event": "completed",
                                                         "result": json.dumps({"serviceName": "u1", "popId": 9})}})
        problems = checks.check_provisioned(state(pops=[7, 9]), self.twins, twin_planned(), outcome)[0]
        self.assertTrue(any("duplicate: 2 PoP configs on interface 101" in p for p in problems), problems)

    def test_completed_object_missing(self):
        problems = checks.check_provisioned(state(pops=[]), self.services, planned_chain(), self.outcome())[0]
        self.assertTrue(any("the simulator does not have it" in p for p in problems), problems)

    def test_duplicate_datacenter_and_extra(self):
        s = state(pops=[7], dcs=[(11, 3, [(21, "10.0.0.5"), (22, "10.0.0.5")]), (12, 3, [])])
        problems = checks.check_provisioned(s, self.services, planned_chain(), self.outcome())[0]
        self.assertTrue(any("duplicate: 2 datacenter configs for datacenter 3" in p for p in problems), problems)
        self.assertTrue(any("duplicate: 2 extras bgp" in p for p in problems), problems)

    def test_left_after_tear_down(self):
        problems = checks.check_torn_down(state(pops=[7]), state(pops=[7]), self.services, {})[0]
        self.assertTrue(any("left after tear-down: PoP config 7" in p for p in problems), problems)
        completed = {"s-teardown": {"event": "completed", "result": json.dumps({"deleted": {"pops": 1}})}}
        problems = checks.check_torn_down(state(pops=[7]), state(pops=[7]), self.services, completed)[0]
        self.assertTrue(any("PoP config 7 of s (s-teardown: completed)" in p for p in problems), problems)

    def test_left_by_a_failed_delete_tree_is_explained(self):
        failed = {"s-teardown": {"event": "failed", "error": json.dumps({"code": "child_failed"})}}
        problems, explained = checks.check_torn_down(state(pops=[7]), state(pops=[7]), self.services, failed)
        self.assertEqual(problems, [])
        self.assertEqual(len(explained), 1)

    def test_left_with_one_of_two_delete_trees_completed(self):
        ends = {"s-teardown": {"event": "failed", "error": json.dumps(cancelled_error())},
                "s-twin-teardown": {"event": "completed", "result": json.dumps({"deleted": {"pops": 1}})}}
        problems = checks.check_torn_down(state(pops=[7]), state(pops=[7]), self.twins, ends)[0]
        self.assertTrue(any("PoP config 7 of s" in p and "s-twin-teardown: completed" in p for p in problems), problems)
        ends["s-twin-teardown"] = ends["s-teardown"]
        problems, explained = checks.check_torn_down(state(pops=[7]), state(pops=[7]), self.twins, ends)
        self.assertEqual(problems, [])
        self.assertTrue(any("cancelled" in n for n in explained), explained)

    def test_delete_tree_miscounted(self):
        completed = {"s-teardown": {"event": "completed", "result": json.dumps({"deleted": {"pops": 2}})}}
        problems = checks.check_torn_down(state(), state(pops=[7]), self.services, completed)[0]
        self.assertTrue(any("the service held" in p for p in problems), problems)

    def test_two_delete_trees_miscounted(self):
        ends = {t: {"event": "completed", "result": json.dumps({"deleted": {"pops": 0}})}
                for t in ("s-teardown", "s-twin-teardown")}
        problems = checks.check_torn_down(state(), state(pops=[7]), self.twins, ends)[0]
        self.assertTrue(any("neither counted what it held" in p for p in problems), problems)
        ends["s-twin-teardown"] = {"event": "completed", "result": json.dumps({"deleted": {"pops": 1}})}
        self.assertEqual(checks.check_torn_down(state(), state(pops=[7]), self.twins, ends)[0], [])


class FakeRedis:
    def __init__(self, data, ttl=()):
        self.data = data  # key -> (type, values)
        self.ttl = set(ttl)

    def scan_keys(self, match="*"):
        prefix = match.rstrip("*")
        return [k.encode() for k in self.data if k.startswith(prefix)]

    def values(self, key):
        return [v.encode() for v in self.data[checks.decode(key)][1]]

    def pipeline(self, commands):
        return [self(*command) for command in commands]

    def __call__(self, command, key, *args):
        kind, values = self.data.get(key, (None, []))
        if command == "TYPE":
            return kind or "none"
        if command == "HGET":
            pairs = dict(zip(values[::2], values[1::2]))
            return pairs.get(args[0], "").encode() or None
        if command == "EXISTS":
            return int(key in self.data)
        if command == "PTTL":
            return 5000 if key in self.ttl else -1
        if command in ("LLEN", "ZCARD", "HLEN"):
            return len(values) // (2 if command == "HLEN" else 1)
        if command in ("LRANGE", "ZRANGE", "HGETALL"):
            return [v.encode() for v in values]
        raise AssertionError(command)


class KeysAndSecretsCheck(unittest.TestCase):
    def test_clean_keys_pass(self):
        redis = FakeRedis({P + "events": ("stream", []), P + "job:s-link": ("hash", ["state", "completed"]),
                           P + "job-events:s-link": ("list", ["1-0"]), P + "fetched:w1": ("string", ["f s-link 3"]),
                           P + "failedDocs": ("zset", []), P + "retainedBytes": ("string", ["300"]),
                           checks.prefix_of(B) + "job:t": ("hash", ["state", "failed"]),
                           checks.LIBRARIES: ("zset", ["connectq_3", "1"]),
                           "connectq:budget:{ovh-abc}": ("hash", ["t", "1"])}, ttl=[P + "fetched:w1"])
        self.assertEqual(checks.check_keys(redis, {A: {"s-link"}, B: {"t"}})[0], [])

    def test_stray_keys_and_stuck_jobs(self):
        redis = FakeRedis({P + "job:s-link": ("hash", ["state", "active"]), P + "job:ghost": ("hash", ["state", "failed"]),
                           P + "mystery": ("string", ["x"]), "other": ("string", ["x"]),
                           P + "intake:w1": ("list", ["{}"]), P + "active": ("zset", ["s-link"]),
                           P + "job-events:ghost": ("list", ["1-0"]), P + "fetched:w2": ("string", ["f"]),
                           checks.prefix_of(B) + "job:s-link": ("hash", ["state", "completed"]),
                           checks.LOCK_HOLDERS: ("hash", ["ovh:occ:u1", "chaos-b s-pop"]),
                           checks.LOCK_LINE_PREFIX + "ovh:occ:u1": ("list", ["chaos-a s-dc"])})
        problems = checks.check_keys(redis, {A: {"s-link"}})[0]
        for needle in ("s-link of chaos-a left in state active", "unknown job: " + P + "job:ghost",
                       "does not name: " + P + "mystery", "outside the queues: other", "intake list of worker w1",
                       P + "active holds 1", "unknown job: " + checks.prefix_of(B) + "job:s-link",
                       "event list of an unknown job: " + P + "job-events:ghost", "kept for good: " + P + "fetched:w2",
                       "still held at the end: {'ovh:occ:u1': 'chaos-b s-pop'}",
                       "left in line for resource ovh:occ:u1: ['chaos-a s-dc']"):
            self.assertTrue(any(needle in p for p in problems), (needle, problems))

    def test_secret_in_a_value_and_a_file(self):
        markers = {"Redis password": "markerXYZ"}
        redis = FakeRedis({P + "job:a": ("hash", ["error", "could not reach redis://:markerXYZ@host"])})
        with tempfile.TemporaryDirectory() as work:
            with open(os.path.join(work, "worker-1.log"), "w") as handle:
                handle.write("connecting with markerXYZ\n")
            with open(os.path.join(work, "redis.conf"), "w") as handle:
                handle.write("requirepass markerXYZ\n")
            problems = (checks.check_secrets_in_redis(redis, markers)[0]
                        + checks.check_secrets_in_files(markers, work, skip={os.path.join(work, "redis.conf")})[0])
        self.assertTrue(any("in Redis key " + P + "job:a" in p for p in problems), problems)
        self.assertTrue(any("in worker-1.log" in p for p in problems), problems)
        self.assertFalse(any("redis.conf" in p for p in problems), problems)


OCC, VRACK = "ovh:occ:u1", "ovh:vrack:pn-10001"
RESOURCES = {(A, "a-pop"): [OCC], (B, "b-pop"): [OCC], (A, "a-link"): [OCC, VRACK], (B, "b-link"): [OCC, VRACK],
             (A, "a-tree"): [OCC], (A, "a-step"): [OCC]}


class ResourceSpansCheck(unittest.TestCase):
    def spans(self, events):
        return resource_spans.check_resource_spans(events, RESOURCES)

    def test_hand_over_between_queues_in_one_millisecond_passes(self):
        # Sequence numbers of two streams say nothing about which came first.
        events = [event("active", "a-pop", at=100), event("waiting", "b-pop", B, at=101, reason="resource", resource=OCC),
                  event("active", "b-pop", B, at=200, seq=0), event("completed", "a-pop", at=200, seq=3),
                  event("completed", "b-pop", B, at=300)]
        problems, stats = self.spans(events)
        self.assertEqual(problems, [])
        self.assertEqual(stats["consecutive holders in different queues"], 1)

    def test_two_queues_holding_one_service_at_once(self):
        events = [event("active", "a-pop", at=100), event("active", "b-pop", B, at=150),
                  event("completed", "a-pop", at=200), event("completed", "b-pop", B, at=300)]
        problems = self.spans(events)[0]
        self.assertTrue(any(p.startswith(OCC + ": held at once by a-pop (chaos-a") and "b-pop (chaos-b" in p
                            for p in problems), problems)

    def test_one_queue_orders_within_a_millisecond(self):
        events = [event("active", "a-pop", at=100), event("active", "a-link", at=200, seq=0),
                  event("completed", "a-pop", at=200, seq=1), event("completed", "a-link", at=300)]
        problems = self.spans(events)[0]
        self.assertTrue(any("held at once by a-pop" in p and "a-link" in p for p in problems), problems)

    def test_durable_wait_hand_back_and_stall_keep_the_resource(self):
        for kind, fields in (("waiting", {"reason": "task"}), ("waiting", {"reason": "rate-limit"}),
                             ("waiting", {"reason": "worker-stopped"}),
                             ("retrying", {"error": {"code": "stalled", "retryable": True}})):
            events = [event("active", "a-pop", at=100), event(kind, "a-pop", at=120, **fields),
                      event("active", "b-pop", B, at=150), event("completed", "b-pop", B, at=160),
                      event("completed", "a-pop", at=200)]
            problems = self.spans(events)[0]
            self.assertTrue(any("held at once by a-pop" in p for p in problems), (kind, fields, problems))

    def test_retry_and_awaiting_children_give_it_back(self):
        events = [event("active", "a-pop", at=100),
                  event("retrying", "a-pop", at=120, error={"code": "ovh_api", "retryable": True}),
                  event("active", "b-pop", B, at=150), event("completed", "b-pop", B, at=160),
                  event("active", "a-tree", at=170), event("accepted", "a-step", at=180, parent="a-tree"),
                  event("active", "a-step", at=181), event("completed", "a-step", at=190),
                  event("active", "a-tree", at=191), event("completed", "a-tree", at=195),
                  event("active", "a-pop", at=196), event("completed", "a-pop", at=200)]
        self.assertEqual(self.spans(events)[0], [])

    def test_climbing_job_keeps_what_it_took_while_it_waits(self):
        # b-link took the service and waits for the vRack: the service is still its.
        events = [event("waiting", "b-link", B, at=100, reason="resource", resource=VRACK),
                  event("active", "a-pop", at=150), event("completed", "a-pop", at=160),
                  event("active", "b-link", B, at=170), event("completed", "b-link", B, at=200)]
        problems = self.spans(events)[0]
        self.assertTrue(any(p.startswith(OCC + ": held at once by b-link") for p in problems), problems)

    def test_hand_over_inside_the_releasing_step_passes(self):
        # a-link's completion hands the service to b-link, which climbs on and waits for
        # the vRack a-link still holds, then gets it too; a-link's own event comes last,
        # a millisecond later (seed 2 of the short run).
        events = [event("active", "a-link", at=100), event("waiting", "a-link", at=110, reason="task"),
                  event("waiting", "b-link", B, at=120, reason="resource", resource=OCC, holderQueue=A),
                  event("waiting", "b-link", B, at=300, reason="resource", resource=VRACK, holderQueue=A),
                  event("completed", "a-link", at=301), event("active", "b-link", B, at=302),
                  event("completed", "b-link", B, at=400)]
        self.assertEqual(self.spans(events)[0], [])

    def test_handed_while_the_holder_runs_on(self):
        events = [event("active", "a-link", at=100),
                  event("waiting", "b-link", B, at=300, reason="resource", resource=VRACK, holderQueue=A),
                  event("waiting", "a-link", at=301, reason="task"), event("completed", "a-link", at=302),
                  event("active", "b-link", B, at=303), event("completed", "b-link", B, at=400)]
        problems = self.spans(events)[0]
        self.assertTrue(any(p.startswith(OCC + ": held at once by a-link") for p in problems), problems)

    def test_largest_line(self):
        events = [event("active", "a-pop", at=100),
                  event("waiting", "b-pop", B, at=110, reason="resource", resource=OCC, holderQueue=A),
                  event("waiting", "a-link", at=111, reason="resource", resource=OCC, holderQueue=A),
                  event("completed", "a-pop", at=120), event("active", "b-pop", B, at=121)]
        largest, key, waits = resource_spans.waiting_lines(events)
        self.assertEqual((largest, key, waits["on a holder in the other queue"]), (2, OCC, 1))


SERVICE = {"name": "s", "uuid": "u1", "vrack": "pn-10001", "shape": "l2-2dc", "twin": False}
TREE = walk({"type": "delete-tree", "id": "s-teardown", "args": {"serviceName": "u1"}})


def cancel(job_id, text, answered, active_after=(), listed=None):
    return {"id": job_id, "queue": A, "stdout": f"{job_id}: {text}\n", "sent_ms": answered - 5, "answered_ms": answered,
            "active_after": list(active_after), "listed_ms": listed or answered + 50}


def by_id(events):
    out = {}
    for e in events:
        out.setdefault(e["id"], []).append(e)
    return out


class CancelFencesCheck(unittest.TestCase):
    def check(self, cancels, events, planned=None, log=()):
        return cancel_fences.check_cancels(cancels, by_id(events), planned if planned is not None else planned_chain(),
                                           [SERVICE], list(log), 0.02)[0]

    def test_cancel_requested_then_cancelled_at_its_next_step_passes(self):
        events = [event("active", "s-link", at=100), event("failed", "s-link", at=300, error=cancelled_error(),
                                                           result={"serviceName": "u1"})]
        self.assertEqual(self.check([cancel("s-link", "cancel requested; stops within 4 s", 200)], events), [])

    def test_completed_after_cancel_requested(self):
        events = [event("active", "s-link", at=100), event("completed", "s-link", at=300, result={})]
        problems = self.check([cancel("s-link", "cancel requested; stops within 4 s", 200)], events)
        self.assertTrue(any("answered 'cancel requested', yet it ended completed" in p for p in problems), problems)

    def test_answered_cancelled_yet_completed(self):
        events = [event("accepted", "s-link", at=100), event("completed", "s-link", at=190, result={})]
        problems = self.check([cancel("s-link", "cancelled", 200)], events)
        self.assertTrue(any("answered 'cancelled', yet it ended completed" in p for p in problems), problems)

    def test_already_completed_but_it_failed(self):
        events = [event("active", "s-link", at=100), event("failed", "s-link", at=150, error={"code": "ovh_api"})]
        problems = self.check([cancel("s-link", "already completed", 200)], events)
        self.assertTrue(any("answered 'already completed', yet it ended failed" in p for p in problems), problems)

    def test_run_again_after_the_cancel(self):
        events = [event("active", "s-link", at=100), event("waiting", "s-link", at=150, reason="worker-stopped"),
                  event("active", "s-link", at=250), event("failed", "s-link", at=300, error=cancelled_error())]
        problems = self.check([cancel("s-link", "cancel requested; stops within 4 s", 200)], events)
        self.assertTrue(any("an attempt started after the answer (250-0)" in p for p in problems), problems)

    def test_follow_up_or_child_made_after_the_cancel(self):
        events = [event("active", "s-link", at=100), event("accepted", "s-pop", at=250, parent="s-link"),
                  event("failed", "s-link", at=250, error=cancelled_error()),
                  event("failed", "s-pop", at=260, parent="s-link", error=cancelled_error())]
        problems = self.check([cancel("s-link", "cancel requested; stops within 4 s", 200)], events)
        self.assertTrue(any("made after the answer with it as parent: s-pop" in p for p in problems), problems)

    def test_a_child_of_a_job_cancelled_at_once_runs_on(self):
        events = [event("accepted", "s-teardown", at=100), event("accepted", "step1", at=110, parent="s-teardown"),
                  event("failed", "s-teardown", at=190, error=cancelled_error()),
                  event("completed", "step1", at=400, parent="s-teardown", result={"deleted": {"pops": 1}})]
        problems = self.check([cancel("s-teardown", "cancelled", 200)], events, planned=TREE)
        self.assertTrue(any("its child step1, unfinished then, ended completed" in p for p in problems), problems)

    def tree_cancelled(self, step_end):
        return [event("active", "s-teardown", at=100), event("accepted", "step1", at=110, parent="s-teardown"),
                event("active", "step1", at=150), event("failed", "s-teardown", at=1_000_000, error=cancelled_error()),
                event("failed", "step1", at=step_end, parent="s-teardown", error=cancelled_error())]

    def test_delete_after_a_cancelled_delete_tree(self):
        events = self.tree_cancelled(1_000_010)
        log = [{"time": 1000.5, "method": "DELETE", "path": "/1.0/ovhCloudConnect/u1/config/pop/7"},
               {"time": 1003.0, "method": "DELETE", "path": "/1.0/ovhCloudConnect/u1/config/pop/7"}]
        problems = self.check([cancel("s-teardown", "cancelled", 1_000_001)], events, planned=TREE, log=log)
        self.assertTrue(any("DELETE /1.0/ovhCloudConnect/u1/config/pop/7 answered" in p for p in problems), problems)
        self.assertEqual(len(problems), 1, problems)

    def test_a_step_running_at_the_cancel_may_delete_until_it_ends(self):
        events = self.tree_cancelled(1_004_000)
        log = [{"time": 1003.0, "method": "DELETE", "path": "/1.0/ovhCloudConnect/u1/config/pop/7"}]
        cancels = [cancel("s-teardown", "cancelled", 1_000_001, active_after=["step1"])]
        self.assertEqual(self.check(cancels, events, planned=TREE, log=log), [])
        late = log + [{"time": 1006.0, "method": "DELETE", "path": "/1.0/ovhCloudConnect/u1/config/pop/7"}]
        self.assertTrue(self.check(cancels, events, planned=TREE, log=late))


if __name__ == "__main__":
    unittest.main(verbosity=0)

#!/usr/bin/env python3
"""The checks of ops/chaos can fail: each is fed a planted defect (a job run twice, a lost
job, an orphan, a duplicate, a stray key, a stuck job, a leaked secret) and must name it.
ops/chaos runs this before every run: `python3 ops/chaos.d/test_checks.py`."""
import json
import os
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chaos  # noqa: E402

P = chaos.PREFIX


def event(kind, job_id, **fields):
    out = {"event": kind, "id": job_id}
    out.update({k: json.dumps(v) if isinstance(v, dict) else v for k, v in fields.items()})
    return out


def planned_chain():
    root = {"type": "link-vrack", "id": "s-link", "args": {"serviceName": "u1", "vrack": "pn-10001"},
            "then": [{"type": "create-pop", "id": "s-pop", "args": {"type": "l2", "interfaceId": 101}}]}
    return chaos.walk(root)


class EventsCheck(unittest.TestCase):
    def good(self):
        return [event("accepted", "s-link"), event("active", "s-link"),
                event("completed", "s-link", result={"serviceName": "u1", "vrack": "pn-10001"}),
                event("accepted", "s-pop", parent="s-link"), event("active", "s-pop", parent="s-link"),
                event("completed", "s-pop", parent="s-link", result={"serviceName": "u1", "popId": 7})]

    def test_clean_run_passes(self):
        problems, _, stats, _ = chaos.check_events(self.good(), planned_chain(), ["s-link"], {"entries-added": 6, "length": 6})
        self.assertEqual(problems, [])
        self.assertEqual(stats["completed"], 2)

    def test_job_completed_twice(self):
        events = self.good() + [event("completed", "s-pop", parent="s-link", result={"popId": 8})]
        problems = chaos.check_events(events, planned_chain(), ["s-link"], {})[0]
        self.assertTrue(any("s-pop: 2 terminal events" in p for p in problems), problems)

    def test_lost_job_and_missing_follow_up(self):
        events = self.good()[:3]
        problems = chaos.check_events(events, planned_chain(), ["s-link", "s-other"], {})[0]
        self.assertTrue(any("s-other has no event" in p for p in problems), problems)
        self.assertTrue(any("follow-up s-pop" in p for p in problems), problems)

    def test_stuck_job_and_stranger(self):
        events = self.good()[:2] + [event("accepted", "stranger")]
        problems = chaos.check_events(events, planned_chain(), ["s-link"], {})[0]
        self.assertTrue(any("s-link: 0 terminal events" in p for p in problems), problems)
        self.assertTrue(any("stranger: not one of ours" in p for p in problems), problems)

    def test_two_attempts_at_once(self):
        events = self.good()
        events.insert(2, event("active", "s-link"))
        problems = chaos.check_events(events, planned_chain(), ["s-link"], {})[0]
        self.assertTrue(any("s-link: a second attempt started" in p for p in problems), problems)

    def test_retried_attempts_are_not_two_at_once(self):
        events = self.good()
        events[2:2] = [event("retrying", "s-link"), event("active", "s-link"), event("waiting", "s-link"),
                       event("active", "s-link")]
        self.assertEqual(chaos.check_events(events, planned_chain(), ["s-link"], {})[0], [])

    def test_trimmed_stream(self):
        problems = chaos.check_events(self.good(), planned_chain(), ["s-link"], {"entries-added": 9, "length": 6})[0]
        self.assertTrue(any("trimmed" in p for p in problems), problems)


def state(pops=(), dcs=(), vrack="pn-10001"):
    return {"services": [{"service": {"uuid": "u1", "vrack": vrack, "interfaceList": [101]},
                          "pops": [{"id": i, "interfaceId": 101} for i in pops]}],
            "datacenterConfigs": [{"vrack": "pn-10001", "users": ["u1"], "config": {"id": i, "datacenterId": d},
                                   "extras": [{"id": e, "type": "bgp", "bgpNeighborIp": ip} for e, ip in extras]}
                                  for i, d, extras in dcs]}


class StateCheck(unittest.TestCase):
    services = [{"name": "s", "uuid": "u1", "vrack": "pn-10001", "shape": "l2-2dc"}]

    def outcome(self, pop_done=True):
        return {"s-link": {"event": "completed", "result": "{}"},
                "s-pop": {"event": "completed" if pop_done else "failed",
                          "result": json.dumps({"serviceName": "u1", "popId": 7}), "error": "{}"}}

    def test_matching_state_passes(self):
        self.assertEqual(chaos.check_provisioned(state(pops=[7]), self.services, planned_chain(), self.outcome())[0], [])

    def test_orphan_and_duplicate(self):
        problems = chaos.check_provisioned(state(pops=[7, 9]), self.services, planned_chain(), self.outcome())[0]
        self.assertTrue(any("orphan PoP config 9" in p for p in problems), problems)
        self.assertTrue(any("duplicate: 2 PoP configs" in p for p in problems), problems)

    def test_orphan_of_a_failed_job(self):
        problems = chaos.check_provisioned(state(pops=[7]), self.services, planned_chain(), self.outcome(pop_done=False))[0]
        self.assertTrue(any("orphan PoP config 7" in p and "s-pop failed" in p for p in problems), problems)

    def test_completed_object_missing(self):
        problems = chaos.check_provisioned(state(pops=[]), self.services, planned_chain(), self.outcome())[0]
        self.assertTrue(any("the simulator does not have it" in p for p in problems), problems)

    def test_duplicate_datacenter_and_extra(self):
        s = state(pops=[7], dcs=[(11, 3, [(21, "10.0.0.5"), (22, "10.0.0.5")]), (12, 3, [])])
        problems = chaos.check_provisioned(s, self.services, planned_chain(), self.outcome())[0]
        self.assertTrue(any("duplicate: 2 datacenter configs for datacenter 3" in p for p in problems), problems)
        self.assertTrue(any("duplicate: 2 extras bgp" in p for p in problems), problems)

    def test_left_after_tear_down(self):
        problems = chaos.check_torn_down(state(pops=[7]), state(pops=[7]), self.services, {})[0]
        self.assertTrue(any("left after tear-down: PoP config 7" in p for p in problems), problems)
        completed = {"s-teardown": {"event": "completed", "result": json.dumps({"deleted": {"pops": 1}})}}
        problems = chaos.check_torn_down(state(pops=[7]), state(pops=[7]), self.services, completed)[0]
        self.assertTrue(any("PoP config 7 of s (delete-tree: completed)" in p for p in problems), problems)

    def test_left_by_a_failed_delete_tree_is_explained(self):
        failed = {"s-teardown": {"event": "failed", "error": json.dumps({"code": "child_failed"})}}
        problems, explained = chaos.check_torn_down(state(pops=[7]), state(pops=[7]), self.services, failed)
        self.assertEqual(problems, [])
        self.assertEqual(len(explained), 1)

    def test_delete_tree_miscounted(self):
        completed = {"s-teardown": {"event": "completed", "result": json.dumps({"deleted": {"pops": 2}})}}
        problems = chaos.check_torn_down(state(), state(pops=[7]), self.services, completed)[0]
        self.assertTrue(any("the service held" in p for p in problems), problems)


class FakeRedis:
    def __init__(self, data):
        self.data = data  # key -> (type, values)

    def scan_keys(self, match="*"):
        prefix = match.rstrip("*")
        return [k.encode() for k in self.data if k.startswith(prefix)]

    def values(self, key):
        return [v.encode() for v in self.data[chaos.decode(key)][1]]

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
        if command in ("LLEN", "ZCARD", "HLEN"):
            return len(values) // (2 if command == "HLEN" else 1)
        if command in ("LRANGE", "ZRANGE"):
            return [v.encode() for v in values]
        raise AssertionError(command)


class KeysAndSecretsCheck(unittest.TestCase):
    def test_clean_keys_pass(self):
        redis = FakeRedis({P + "events": ("stream", []), P + "job:s-link": ("hash", ["state", "completed"]),
                           "connectq:budget:{ovh-abc}": ("hash", ["t", "1"])})
        self.assertEqual(chaos.check_keys(redis, {"s-link"})[0], [])

    def test_stray_keys_and_stuck_jobs(self):
        redis = FakeRedis({P + "job:s-link": ("hash", ["state", "active"]), P + "job:ghost": ("hash", ["state", "failed"]),
                           P + "mystery": ("string", ["x"]), "other": ("string", ["x"]),
                           P + "intake:w1": ("list", ["{}"]), P + "resource:occ:u1": ("list", ["s-pop"]),
                           P + "active": ("zset", ["s-link"]), P + "resourceLocks": ("hash", ["occ:u1", "s-link"])})
        problems = chaos.check_keys(redis, {"s-link"})[0]
        for needle in ("left in state active", "unknown job: " + P + "job:ghost", "does not name: " + P + "mystery",
                       "outside the queue: other", "intake list of worker w1", "waiting for resource occ:u1",
                       "active holds 1", "resourceLocks holds 1"):
            self.assertTrue(any(needle in p for p in problems), (needle, problems))

    def test_secret_in_a_value_and_a_file(self):
        markers = {"Redis password": "markerXYZ"}
        redis = FakeRedis({P + "job:a": ("hash", ["error", "could not reach redis://:markerXYZ@host"])})
        with tempfile.TemporaryDirectory() as work:
            with open(os.path.join(work, "worker-1.log"), "w") as handle:
                handle.write("connecting with markerXYZ\n")
            with open(os.path.join(work, "redis.conf"), "w") as handle:
                handle.write("requirepass markerXYZ\n")
            problems = (chaos.check_secrets_in_redis(redis, markers)[0]
                        + chaos.check_secrets_in_files(markers, work, skip={os.path.join(work, "redis.conf")})[0])
        self.assertTrue(any("in Redis key " + P + "job:a" in p for p in problems), problems)
        self.assertTrue(any("in worker-1.log" in p for p in problems), problems)
        self.assertFalse(any("redis.conf" in p for p in problems), problems)


if __name__ == "__main__":
    unittest.main(verbosity=0)

#!/usr/bin/env python3
"""ops/chaos, the run (see ops/chaos --help and docs/chaos.md).

Starts Redis (AOF, appendfsync always, a password), ovh-simulator (faults, lost answers,
latency) and three `connectq worker` processes serving two queues, all on loopback;
provisions whole OVHcloud Connect services (some from both queues at once), then tears
them down, while it SIGKILLs and SIGTERMs workers, SIGKILLs Redis and cancels jobs as an
operator would; then runs the checks (checks.py, resource_spans.py, cancel_fences.py) on
the events, the simulator's state, the keys and every log and value. Python standard
library only.
"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ovhsim  # noqa: E402
from cancel_fences import cancel_summary, check_cancels  # noqa: E402
from checks import (BUSY_KEYS, check_events, check_keys, check_provisioned, check_secrets_in_files,  # noqa: E402
                    check_secrets_in_redis, check_torn_down, decode, error_code, merge_events, prefix_of, read_events,
                    result_of, sizes)
from resource_spans import check_resource_spans, waiting_lines  # noqa: E402
from resp import Redis, RedisReplyError  # noqa: E402
from work import QUEUES, plan_services, teardown_documents, walk  # noqa: E402

# Which queues each worker process serves: one each, and one both (one engine per queue
# in one process), so every queue keeps two workers when one is killed, and resources are
# shared between processes on different queues and between two engines of one process.
WORKER_QUEUES = ("chaos-a", "chaos-b", "chaos-a,chaos-b")
WORKERS = len(WORKER_QUEUES)
LEASE_S = 6
# A killed worker's jobs are taken over this long after their lease expired (default 10 s:
# a step of Redis's clock); short, so that recoveries stay within the run.
TAKEOVER_MARGIN = "1s"
STARTUP_S = 3.0
CANCEL_POOLS = ("waiting", "delayed", "waiting-children", "waiting-resource")


def now():
    return time.monotonic()


def log(message):
    print(f"[chaos {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------
# The processes


class Run:
    def __init__(self, options):
        self.o = options
        self.work = options.work
        self.bin = options.bin
        self.rng = random.Random(options.seed)
        token = os.urandom(6).hex()
        # Recognisable secrets: any of these anywhere but where we put them is a leak.
        self.markers = {"OVH_APPLICATION_SECRET": f"chaosAppSecret{token}X",
                        "OVH_CONSUMER_KEY": f"chaosConsumerKey{token}X",
                        "Redis password": f"chaosRedisPass{token}X"}
        self.redis_port = free_port()
        self.sim_port = free_port()
        self.password = self.markers["Redis password"]
        self.env = dict(os.environ)
        self.env.update({
            "CONNECTQ_REDIS_URL": f"redis://:{self.password}@127.0.0.1:{self.redis_port}/0",
            "CONNECTQ_QUEUE": QUEUES[0],
            "OVH_ENDPOINT": f"http://127.0.0.1:{self.sim_port}/1.0",
            "OVH_APPLICATION_KEY": "chaos-application-key",
            "OVH_APPLICATION_SECRET": self.markers["OVH_APPLICATION_SECRET"],
            "OVH_CONSUMER_KEY": self.markers["OVH_CONSUMER_KEY"],
        })
        self.redis_dir = os.path.join(self.work, "redis")
        os.makedirs(self.redis_dir, exist_ok=True)
        self.redis_conf = os.path.join(self.redis_dir, "redis.conf")
        self.redis = None  # Popen
        self.sim = None
        self.workers = [None] * WORKERS  # Popen per slot
        self.stopping = {}  # slot -> monotonic time SIGTERM was sent
        self.starts = [0] * WORKERS
        self.started_at = [0.0] * WORKERS
        self.client = Redis(port=self.redis_port, password=self.password, timeout=5)
        self.counts = Counter()
        self.notes = []
        self.cancels = []  # one record per `connectq cancel` (cancel_fences.py)
        self.redis_down = False
        self.term_times = []  # seconds from SIGTERM to exit
        self.unexpected_exits = []

    # Redis ---------------------------------------------------------------------------

    def write_redis_conf(self):
        lines = [f"port {self.redis_port}", "bind 127.0.0.1", f"dir {self.redis_dir}", "appendonly yes",
                 "appendfsync always", 'save ""', "maxmemory-policy noeviction", "daemonize no",
                 f"logfile {os.path.join(self.redis_dir, 'redis.log')}", f"requirepass {self.password}"]
        # Written by us, read by redis-server only: the one file the secrets scan skips.
        fd = os.open(self.redis_conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write("\n".join(lines) + "\n")

    def start_redis(self):
        self.redis = subprocess.Popen(["redis-server", self.redis_conf], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
        deadline = now() + 60
        while now() < deadline:
            try:
                self.client.connect()
                if self.client("PING") == "PONG":
                    self.redis_down = False
                    return
            except (OSError, RedisReplyError):
                # LOADING while it replays the AOF, or not listening yet.
                time.sleep(0.05)
        raise SystemExit(f"redis-server did not start; see {self.redis_dir}/redis.log")

    def restart_redis(self):
        """SIGKILL (no chance to write anything more), then the same config and AOF again."""
        log("SIGKILL redis-server")
        self.redis_down = True
        self.redis.send_signal(signal.SIGKILL)
        self.redis.wait()
        self.client.close()
        self.counts["redis restarts"] += 1
        down_until = now() + 1.5
        # What an operator's command says while Redis is down is scanned for the password too.
        self.connectq("stats", output="cli-while-redis-down.txt")
        while now() < down_until:  # workers see it down for a while
            self.tend_workers()
            time.sleep(0.1)
        self.start_redis()
        log("redis-server is back")

    # The simulator -------------------------------------------------------------------

    def start_simulator(self):
        o = self.o
        argv = [os.path.join(self.bin, "ovh-simulator"), "--port", str(self.sim_port), "--services", str(o.services),
                "--seed", str(o.seed), "--fault-rate", str(o.fault_rate), "--lost-response-rate", str(o.lost_rate),
                "--latency", o.latency, "--task-duration", o.task_duration, "--inspect",
                "--task-error-rate", str(o.task_error_rate),
                "--request-log", os.path.join(self.work, "requests.jsonl")]
        self.sim = subprocess.Popen(argv, env=self.env, stdout=open(os.path.join(self.work, "simulator.log"), "ab"),
                                    stderr=subprocess.STDOUT)
        state = ovhsim.wait_for_state(self.sim_port, 120)
        if state is None:
            raise SystemExit(f"the simulator did not start; see {self.work}/simulator.log")
        return state

    # Workers --------------------------------------------------------------------------

    def worker_log(self, slot):
        return os.path.join(self.work, f"worker-{slot + 1}.log")

    def start_worker(self, slot):
        self.starts[slot] += 1
        path = self.worker_log(slot)
        with open(path, "ab") as handle:
            handle.write(f"=== ops/chaos: start #{self.starts[slot]} of worker {slot + 1} at {time.strftime('%H:%M:%S')} ===\n".encode())
        argv = [os.path.join(self.bin, "connectq"), "worker", "--queue", WORKER_QUEUES[slot], "--concurrency", "16",
                "--ovh-task-poll", "50ms", "--ovh-rate-limit", "2000/s", "--lease", f"{LEASE_S}s",
                "--takeover-margin", TAKEOVER_MARGIN, "--grace", "3s", "--max-stalls", "10", "--retry-cap", "4s",
                "--log-level", self.o.log_level]
        self.workers[slot] = subprocess.Popen(argv, env=self.env, stdout=open(path, "ab"), stderr=subprocess.STDOUT)
        self.started_at[slot] = now()
        self.stopping.pop(slot, None)

    def running_slots(self):
        return [s for s, p in enumerate(self.workers) if p is not None and p.poll() is None and s not in self.stopping]

    def kill_worker(self):
        slots = self.running_slots()
        if not slots:
            return
        slot = self.rng.choice(slots)
        log(f"SIGKILL worker {slot + 1} (pid {self.workers[slot].pid})")
        self.workers[slot].send_signal(signal.SIGKILL)
        self.workers[slot].wait()
        self.counts["worker SIGKILLs"] += 1
        self.start_worker(slot)

    def term_worker(self):
        # A process signalled before its handlers are installed just dies: SIGTERM goes to
        # workers up for a while (SIGKILL, below, to any).
        slots = [s for s in self.running_slots() if now() - self.started_at[s] >= STARTUP_S]
        if not slots:
            return
        slot = self.rng.choice(slots)
        log(f"SIGTERM worker {slot + 1} (pid {self.workers[slot].pid})")
        self.workers[slot].send_signal(signal.SIGTERM)
        self.stopping[slot] = now()
        self.counts["worker SIGTERMs"] += 1

    def tend_workers(self):
        """Restarts a worker that stopped after SIGTERM, and one that exited on its own
        (noted: a worker should only stop when told)."""
        for slot, process in enumerate(self.workers):
            if process is None or process.poll() is None:
                continue
            code = process.returncode
            if slot in self.stopping:
                took = now() - self.stopping[slot]
                self.term_times.append(took)
                if code != 0:
                    self.unexpected_exits.append(f"worker {slot + 1} exited {code} after SIGTERM")
            else:
                self.unexpected_exits.append(f"worker {slot + 1} exited {code} by itself"
                                             f"{' (Redis was down)' if self.redis_down else ''}; see {self.worker_log(slot)}")
                log(self.unexpected_exits[-1])
            self.start_worker(slot)

    def stop_workers(self):
        """SIGTERM to every worker (up for a while, see term_worker; not twice to one already
        stopping), then each must exit 0 within 30 s."""
        while any(now() - t < STARTUP_S for t in self.started_at):
            time.sleep(0.2)
        for slot, process in enumerate(self.workers):
            if process is not None and process.poll() is None and slot not in self.stopping:
                process.send_signal(signal.SIGTERM)
        deadline = now() + 30
        for slot, process in enumerate(self.workers):
            if process is None:
                continue
            try:
                process.wait(max(0.1, deadline - now()))
            except subprocess.TimeoutExpired:
                self.unexpected_exits.append(f"worker {slot + 1} did not stop within 30 s of SIGTERM: killed")
                process.kill()
                process.wait()
            else:
                if process.returncode != 0:
                    self.unexpected_exits.append(f"worker {slot + 1} exited {process.returncode} at the final SIGTERM")

    def stop_all(self):
        for process in [*self.workers, self.sim, self.redis]:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*self.workers, self.sim, self.redis]:
            if process is None:
                continue
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    # Commands and queries ---------------------------------------------------------------

    def connectq(self, *args, output=None):
        """A connectq command with the run's environment; its output is kept (and scanned)."""
        result = subprocess.run([os.path.join(self.bin, "connectq"), *args], env=self.env, capture_output=True, text=True)
        if output:
            with open(os.path.join(self.work, output), "a") as handle:
                handle.write(result.stdout + result.stderr)
        return result

    def queue_busy(self):
        """What keeps the queues from being idle (empty when idle); None when Redis is out of reach."""
        keys = [prefix_of(q) + name for q in QUEUES for name in BUSY_KEYS]
        try:
            replies = sizes(self.client, keys)
            intake = [k for q in QUEUES for k in self.client.scan_keys(prefix_of(q) + "intake:*")]
        except (OSError, RedisReplyError):
            return None
        busy = {key.split("}:", 1)[0].split("{", 1)[1] + " " + key.split("}:", 1)[1]: value
                for key, value in zip(keys, replies) if value}
        if intake:
            busy["intake lists"] = len(intake)
        return busy

    # Operator's cancels --------------------------------------------------------------------

    def listed(self, queue, state):
        """`connectq jobs --state S --json` of one queue: [{id, type, ...}], or None."""
        result = self.connectq("jobs", "--queue", queue, "--state", state, "--json", "--limit", "1000",
                               output="cli-jobs.txt")
        if result.returncode != 0:
            return None
        try:
            return json.loads(result.stdout)
        except json.JSONDecodeError:
            return None

    def cancel_one(self, phase):
        """Cancels one job of a random queue as an operator would: mostly a running one
        (`connectq jobs --state active`), else one waiting, delayed, waiting for children or
        for a resource; in tear-down, half the time, a delete-tree reading its tree or
        awaiting its steps.
        Records when it was sent and answered, what it printed, and which jobs of that queue
        were still running right after (cancel_fences.py)."""
        if self.redis_down:
            return
        queue = self.rng.choice(QUEUES)
        if phase == "tear-down" and self.rng.random() < 0.5:
            # A delete-tree reading its tree (active) or awaiting its steps (waiting-children).
            pool = self.rng.choice(("active", "waiting-children", "waiting-children"))
            jobs = [j for j in self.listed(queue, pool) or [] if j.get("type") == "delete-tree"]
        else:
            pool = "active" if self.rng.random() < 0.6 else self.rng.choice(CANCEL_POOLS)
            jobs = self.listed(queue, pool)
        if not jobs:
            pool, jobs = "active", self.listed(queue, "active")
        if not jobs:
            return
        pick = self.rng.choice(jobs)
        sent = time.time()
        result = self.connectq("cancel", "--queue", queue, pick["id"])
        answered = time.time()
        after = self.listed(queue, "active")
        record = {"phase": phase, "queue": queue, "id": pick["id"], "type": pick.get("type"), "listed": pool,
                  "sent_ms": int(sent * 1000), "answered_ms": int(answered * 1000) + 1,
                  "stdout": result.stdout, "stderr": result.stderr, "exit": result.returncode,
                  "active_after": None if after is None else [j["id"] for j in after],
                  "listed_ms": int(time.time() * 1000) + 1}
        self.cancels.append(record)
        with open(os.path.join(self.work, "cancels.jsonl"), "a") as handle:
            handle.write(json.dumps(record) + "\n")
        log(f"cancel {pick['id']} ({queue}, {pool}): {(result.stdout or result.stderr).strip()}")

    # The run -------------------------------------------------------------------------------

    def chaos_until_idle(self, name, deadline, schedule):
        """Kills, stops and cancels until the queues are idle (for a whole second) or the deadline."""
        start = now()
        next_kill = start + schedule["first_kill"]
        next_term = start + schedule["first_term"]
        next_cancel = start + schedule["first_cancel"]
        redis_at = [start + offset for offset in schedule["redis"]]
        idle_since = None
        last_report = start
        while True:
            t = now()
            self.tend_workers()
            if redis_at and t >= redis_at[0]:
                redis_at.pop(0)
                self.restart_redis()
                idle_since = None
                continue
            if t >= next_kill:
                self.kill_worker()
                next_kill = now() + self.rng.uniform(*self.o.kill_every)
            if t >= next_term:
                self.term_worker()
                next_term = now() + self.rng.uniform(*self.o.term_every)
            if t >= next_cancel:
                self.cancel_one(name)
                next_cancel = now() + self.rng.uniform(*self.o.cancel_every)
            busy = self.queue_busy()
            if busy == {}:
                idle_since = idle_since or t
                if t - idle_since >= 1.0:
                    if redis_at:
                        # The phase ended before its Redis restart: do it now, on a quiet queue.
                        for _ in redis_at:
                            self.notes.append(f"{name}: a Redis restart came after the work was done")
                            self.restart_redis()
                    return True, now() - start
            else:
                idle_since = None
            if t - last_report >= 10:
                log(f"{name}: {busy if busy is not None else 'Redis down'}")
                last_report = t
            if t >= deadline:
                return False, now() - start
            time.sleep(0.2)

    def phase(self, name, documents, deadline, schedule):
        """Enqueues [(queue, document)], each queue's in one file, then chaos until idle."""
        ids = []
        for queue in QUEUES:
            path = os.path.join(self.work, f"{name}-{queue}.json")
            with open(path, "w") as handle:
                json.dump([d for q, d in documents if q == queue], handle, indent=1)
            result = self.connectq("enqueue", "--queue", queue, path, output=f"enqueue-{name}.txt")
            if result.returncode != 0:
                raise SystemExit(f"connectq enqueue --queue {queue} {path} failed ({result.returncode}): {result.stderr}")
            ids.extend(result.stdout.split())
        log(f"{name}: {len(ids)} jobs enqueued in {', '.join(QUEUES)}")
        finished, took = self.chaos_until_idle(name, deadline, schedule)
        log(f"{name}: {'idle' if finished else 'TIMED OUT'} after {took:.1f} s")
        return ids, finished, took

def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------


def job_resources(client, jobs):
    """(queue, id) -> the resource keys its record names (`resources`, set at intake)."""
    jobs = sorted(jobs)
    replies = client.pipeline([["HGET", prefix_of(q) + "job:" + i, "resources"] for q, i in jobs]) if jobs else []
    return {job: decode(r).split() for job, r in zip(jobs, replies) if isinstance(r, bytes)}


def cross_queue_jobs(by_id, services):
    """Jobs (delete steps included, by their parents) of the services served from both
    queues, by queue."""
    twinned = {s["name"] for s in services if s["twin"]}
    parent_of = {i: evs[0].get("parent") for i, evs in by_id.items()}

    def service_of(job_id, depth=0):
        parent = parent_of.get(job_id)
        if parent and depth < 20:
            return service_of(parent, depth + 1)
        return job_id.split("-", 1)[0]

    return Counter(evs[0]["_queue"] for i, evs in by_id.items() if service_of(i) in twinned)


def main():
    parser = argparse.ArgumentParser(prog="ops/chaos")
    parser.add_argument("--bin", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--services", type=int)
    parser.add_argument("--duration", type=float, help="seconds, the whole run's bound")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--short", action="store_true")
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--build", default="?")
    parser.add_argument("--task-error-rate", type=float, default=0.0,
                        help="the simulator's share of OVH tasks ending in error (jobs that fail for good)")
    o = parser.parse_args()
    o.services = o.services or (10 if o.short else 40)
    o.duration = o.duration or (150 if o.short else 600)
    o.fault_rate, o.lost_rate, o.latency, o.task_duration = 0.2, 0.05, "20ms", "100ms..400ms"
    o.latency_s = 0.020
    o.kill_every = (2.0, 5.0)
    o.term_every = (6.0, 12.0)
    o.cancel_every = (2.5, 5.0)
    schedules = {"provisioning": {"first_kill": 0.5, "first_term": 4.0, "first_cancel": 1.0,
                                  "redis": [6.0 if o.short else 10.0]},
                 "tear-down": {"first_kill": 1.5, "first_term": 3.0, "first_cancel": 1.0,
                               "redis": [4.0 if o.short else 6.0]}}

    run = Run(o)
    started = now()
    deadline = started + o.duration
    redis_version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.split()[2]
    machine = f"{os.cpu_count()} cores, {cpu_model()}, Redis {redis_version.removeprefix('v=')}"
    results = {}
    try:
        run.write_redis_conf()
        run.start_redis()
        state0 = run.start_simulator()
        if len(state0["services"]) < o.services:
            raise SystemExit("the simulator has fewer services than asked")
        # Every event is kept for the checks: each queue's own setting, for all its workers.
        for queue in QUEUES:
            configured = run.connectq("settings", "set", "--queue", queue, "--events-max-length", "10000000",
                                      output="settings.txt")
            if configured.returncode != 0:
                raise SystemExit(f"connectq settings set failed: {configured.stderr}")
        for slot in range(WORKERS):
            run.start_worker(slot)
        services = plan_services(state0, o.services)
        planned = {}
        for service in services:
            for _, root in service["roots"]:
                walk(root, out=planned)
        log(f"{o.services} services ({sum(s['twin'] for s in services)} in both queues), {len(planned)} jobs planned; "
            f"Redis :{run.redis_port}, simulator :{run.sim_port}")
        time.sleep(1)  # the workers load the function library
        ids1, ok1, took1 = run.phase("provisioning", [r for s in services for r in s["roots"]],
                                     started + 0.65 * o.duration, schedules["provisioning"])
        results["phases"] = [("provisioning", took1, ok1)]
        state1 = ovhsim.fetch_state(run.sim_port)
        json.dump(state1, open(os.path.join(o.work, "state-provisioned.json"), "w"), indent=1)
        events_mid = merge_events([read_events(run.client, q) for q in QUEUES])
        mid_results = {e["id"]: result_of(e) for e in events_mid if e.get("event") == "completed"}
        ids2, ok2, state2 = [], False, None
        if ok1:
            teardown = teardown_documents(services, mid_results)
            for _, document in teardown:
                walk(document, out=planned)
            ids2, ok2, took2 = run.phase("tear-down", teardown, deadline, schedules["tear-down"])
            results["phases"].append(("tear-down", took2, ok2))
            state2 = ovhsim.fetch_state(run.sim_port)
            json.dump(state2, open(os.path.join(o.work, "state-torn-down.json"), "w"), indent=1)
        # Let the live workers sweep the heartbeats of the killed ones, then stop them.
        sweep_until = now() + 3 * LEASE_S
        while now() < sweep_until:
            run.tend_workers()
            live = sum(len(WORKER_QUEUES[s].split(",")) for s in run.running_slots())
            try:
                if sum(run.client("ZCARD", prefix_of(q) + "workers") for q in QUEUES) <= live:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        run.stop_workers()
        wall = now() - started
        for queue in QUEUES:
            run.connectq("stats", "--queue", queue, "--json", output=f"stats-{queue}.json")
            run.connectq("report", "--queue", queue, output=f"report-{queue}.txt")

        # Checks
        per_queue = {q: read_events(run.client, q) for q in QUEUES}
        events = merge_events(per_queue.values())
        with open(os.path.join(o.work, "events.jsonl"), "w") as handle:
            for event in events:
                handle.write(json.dumps({k: v for k, v in event.items() if k != "_at"}) + "\n")
        infos = {}
        for queue in QUEUES:
            info = run.client("XINFO", "STREAM", prefix_of(queue) + "events")
            infos[queue] = {decode(k): v for k, v in zip(info[::2], info[1::2])}
        checks = []
        p1, outcome, stats1, by_id = check_events(events, planned, ids1 + ids2, infos)
        if not ok1 or (ok1 and not ok2):
            p1.insert(0, "the run timed out before the queues were idle: raise --duration")
        checks.append(("1. one terminal event per job", p1,
                       f"{stats1['jobs']} jobs ({stats1['planned']} planned + {stats1['delete steps (dynamic children)']} "
                       f"delete steps; {', '.join(f'{q}: {n}' for q, n in stats1['by queue'].items())}): "
                       f"{stats1['completed']} completed, {stats1['failed']} failed ({stats1['cancelled']} cancelled)"))
        p2, counts2, explained2 = check_provisioned(state1, services, planned, outcome)
        run.notes.extend(explained2)
        checks.append(("2a. simulator = what the jobs made (provisioned)", p2,
                       f"{counts2['links']} links, {counts2['pops']} PoPs, {counts2['datacenter configs']} DC configs, "
                       f"{counts2['extras']} extras" + (f"; {len(explained2)} left by cancelled jobs (notes)" if explained2 else "")))
        if state2 is not None:
            p2b, explained = check_torn_down(state2, state1, services, outcome)
            run.notes.extend(explained)
            checks.append(("2b. nothing left after tear-down", p2b,
                           "PoPs, DC configs, extras and delete-tree counts"
                           + (f"; {len(explained)} left by failed or cancelled delete-trees (notes)" if explained else "")))
        else:
            checks.append(("2b. nothing left after tear-down", ["no tear-down: provisioning did not finish"], ""))
        known = {q: {e["id"] for e in evs if "id" in e} for q, evs in per_queue.items()}
        p3, notes3, stats3 = check_keys(run.client, known)
        run.notes.extend(notes3)
        checks.append(("3. every Redis key accounted for", p3,
                       f"{stats3['keys']} keys, {stats3['job records']} job records {stats3['job records by state']}"))
        resources = job_resources(run.client, [(q, i) for q, ids in known.items() for i in ids])
        p6, stats6 = check_resource_spans(events, resources)
        if len(resources) < sum(len(ids) for ids in known.values()):
            p6.insert(0, f"only {len(resources)} job records name their resources, of "
                         f"{sum(len(ids) for ids in known.values())} jobs")
        largest, largest_key, waits = waiting_lines(events)
        log_lines = ovhsim.read_request_log(os.path.join(o.work, "requests.jsonl"))
        p7, stats7 = check_cancels(run.cancels, by_id, planned, services, log_lines, o.latency_s)
        p4, values = check_secrets_in_redis(run.client, run.markers)
        # Files once every process has stopped, their last lines written.
        run.client.close()
        run.stop_all()
        p4b, files = check_secrets_in_files(run.markers, o.work, skip={os.path.abspath(run.redis_conf)})
        checks.append(("4. no secret anywhere", p4 + p4b,
                       f"{values} Redis values, {files} files (logs, AOF, events, request log)"))
        p5 = list(run.unexpected_exits)
        checks.append(("5. workers stop only when told", p5,
                       f"{len(run.term_times)} graceful stops, longest {max(run.term_times, default=0):.1f} s"))
        checks.append(("6. one job at a time per resource, across queues", p6,
                       f"{stats6['spans']} holding spans on {stats6['resources']} resources, "
                       f"{stats6['resources used from both queues']} used from both queues, "
                       f"{stats6['consecutive holders in different queues']} hand-overs between queues"))
        checks.append(("7. a cancel is a fence", p7,
                       f"{cancel_summary(stats7)}; {stats7['delete-tree services cancelled']} services' delete-trees "
                       f"all cancelled, {stats7['DELETEs answered after a cancel']} DELETEs answered after it "
                       f"(latest {stats7['latest']:.2f} s)"))
        figures = {"largest line": (largest, largest_key), "waits": waits, "cancels": stats7,
                   "twins": sum(s["twin"] for s in services),
                   "cross-queue jobs": cross_queue_jobs(by_id, services)}
        report(o, run, machine, results, wall, checks, stats1, events, log_lines, figures)
        failed = any(problems for _, problems, _ in checks)
        return 1 if failed else 0
    finally:
        run.stop_all()


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def report(o, run, machine, results, wall, checks, stats1, events, log_lines, figures):
    statuses = Counter(line["status"] for line in log_lines if line["path"].startswith("/1.0"))
    faults = sum(statuses[s] for s in (500, 502, 503, 429))
    signed = sum(statuses.values())
    errors = Counter()
    for event in events:
        if event.get("event") in ("retrying", "failed", "waiting") and event.get("error"):
            errors[error_code(event)] += 1
    lost_seen = errors["ovh_unreachable"]
    phases = ", ".join(f"{name} {took:.0f} s{'' if ok else ' (TIMED OUT)'}" for name, took, ok in results.get("phases", []))
    largest, largest_key = figures["largest line"]
    waits = figures["waits"]
    did = [
        ("services (provisioned, then torn down)", f"{o.services}, {figures['twins']} of them from both queues at once"),
        ("jobs (planned + delete steps), by queue", f"{stats1['jobs']} ({', '.join(f'{q}: {n}' for q, n in stats1['by queue'].items())}): "
                                                    f"{stats1['completed']} completed, {stats1['failed']} failed "
                                                    f"({stats1['cancelled']} cancelled)"),
        ("jobs on services served from both queues", "{} ({} in chaos-a, {} in chaos-b)".format(
            sum(figures["cross-queue jobs"].values()), *(figures["cross-queue jobs"].get(q, 0) for q in QUEUES))),
        ("operator cancels, by answer", cancel_summary(figures["cancels"])),
        ("waits for a resource", f"{waits.get('waits', 0)} ({waits.get('on a holder in the other queue', 0)} on a holder "
                                 f"in the other queue); at most {largest} jobs waiting on one"
                                 + (f" ({largest_key})" if largest_key else "")),
        ("worker SIGKILLs / SIGTERMs", f"{run.counts['worker SIGKILLs']} / {run.counts['worker SIGTERMs']} "
                                      f"({WORKERS} workers, {sum(run.starts)} starts in all)"),
        ("Redis SIGKILLs and restarts (AOF, fsync always)", f"{run.counts['redis restarts']}"),
        ("API calls / faults injected (500, 502, 503, 429)", f"{signed} / {faults} "
         f"({', '.join(f'{s}: {statuses[s]}' for s in (500, 502, 503, 429))})"),
        ("lost answers (5 % of calls carried out)", f"~{round(o.lost_rate * (signed - faults))} expected "
                                                    f"(lost GETs are retried inside the client); {lost_seen} "
                                                    f"POST/DELETE answers lost, seen by jobs as ovh_unreachable"),
        ("errors in events by code", ", ".join(f"{k}: {v}" for k, v in errors.most_common()) or "none"),
        ("latency, task durations", f"{o.latency} per call, tasks {o.task_duration}"),
        ("duration", f"{wall:.0f} s ({phases}); bound {o.duration:.0f} s"),
    ]
    print()
    print(f"ops/chaos: seed {o.seed}, build {o.build}; machine: {machine}")
    print()
    table([("what it did", "")] + did)
    print()
    rows = [("check", "result", "counts")]
    for name, problems, counts in checks:
        rows.append((name, "pass" if not problems else f"FAIL ({len(problems)})", counts))
    table(rows)
    for name, problems, _ in checks:
        if problems:
            print(f"\n{name}: {len(problems)} problem(s)")
            for problem in problems[:40]:
                print(f"  - {problem}")
            if len(problems) > 40:
                print(f"  … and {len(problems) - 40} more")
    for note in run.notes:
        print(f"note: {note}")


def table(rows):
    width = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    print("| " + " | ".join(str(c).ljust(w) for c, w in zip(rows[0], width)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in width) + "|")
    for row in rows[1:]:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, width)) + " |")


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""ops/chaos, the run and its checks (see ops/chaos --help and docs/chaos.md).

Starts Redis (AOF, appendfsync always, a password), ovh-simulator (faults, lost answers,
latency) and three `connectq worker` processes, all on loopback; provisions whole OVHcloud
Connect services, then tears them down, while it SIGKILLs and SIGTERMs workers and
SIGKILLs Redis; then checks the events, the simulator's state, the queue's keys and every
log and value for the secrets. Python standard library only.
"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ovhsim  # noqa: E402
from resp import Redis, RedisReplyError  # noqa: E402

QUEUE = "chaos"
PREFIX = f"connectq:{{{QUEUE}}}:"
# Sources/JobQueue/QueueKeys.swift: the keys the engine names, whole or as a prefix.
FIXED_KEYS = {"inbox", "events", "waiting", "delayed", "active", "waitingChildren", "waitingResource",
              "resourceLocks", "completed", "failed", "workers", "workerSeen", "wakeup", "idempotency",
              "sequence", "paused", "settings"}
PREFIX_KEYS = ("job:", "intake:", "resource:")
TERMINAL = ("completed", "failed")
WORKERS = 3
LEASE_S = 6
STARTUP_S = 3.0


def now():
    return time.monotonic()


def log(message):
    print(f"[chaos {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------
# The work: services and their job documents


def plan_services(state, count):
    """Four shapes of service, in turn, each by `then` chains (and `children` for one):
    l3-bgp:    link -> L3 PoP -> L3 DC (/28) -> BGP extra (ops/lib/ovhsim.py, as the bench)
    l2-2dc:    link -> L2 PoP -> two L2 DCs (two follow-ups of one job)
    l3-static: link -> L3 PoP -> L3 DC (/27) -> two static routes
    l2-child:  L2 PoP whose child is the link (children run first) -> L2 DC
    Service i is the simulator's i-th, in its own vRack pn-(10001+i)."""
    services = []
    for index in range(count):
        entry = state["services"][index]["service"]
        uuid, interface = entry["uuid"], entry["interfaceList"][0]
        name, vrack = f"svc{index:03d}", ovhsim.vrack_of(index)
        meta = {"service": name, "run": "chaos"}
        a, b = divmod(index, 256)
        shape = ["l3-bgp", "l2-2dc", "l3-static", "l2-child"][index % 4]
        link = {"type": "link-vrack", "id": f"{name}-link", "meta": meta, "args": {"serviceName": uuid, "vrack": vrack}}
        if shape == "l3-bgp":
            root = ovhsim.l3_bgp_service(name, uuid, vrack, interface, index, meta)
        elif shape == "l2-2dc":
            dcs = [{"type": "add-datacenter", "id": f"{name}-dc{k}", "meta": meta,
                    "args": {"datacenterId": 1 + (index + k) % 6}} for k in (1, 2)]
            root = dict(link, then=[{"type": "create-pop", "id": f"{name}-pop", "meta": meta,
                                     "args": {"type": "l2", "interfaceId": interface}, "then": dcs}])
        elif shape == "l3-static":
            routes = [{"type": "add-extra", "id": f"{name}-route{k}", "meta": meta,
                       "args": {"type": "network", "nextHop": f"10.{a}.{b}.4", "subnet": f"172.{15 + k}.{b}.0/24"}}
                      for k in (1, 2)]
            dc = {"type": "add-datacenter", "id": f"{name}-dc", "meta": meta,
                  "args": {"datacenterId": 1 + index % 6, "ovhBgpArea": 65501, "subnet": f"10.{a}.{b}.0/27"},
                  "then": routes}
            root = dict(link, then=[{"type": "create-pop", "id": f"{name}-pop", "meta": meta,
                                     "args": {"type": "l3", "interfaceId": interface, "customerBgpArea": 65001,
                                              "ovhBgpArea": 65500, "subnet": "192.0.2.0/30"}, "then": [dc]}])
        else:
            root = {"type": "create-pop", "id": f"{name}-pop", "meta": meta,
                    "args": {"serviceName": uuid, "type": "l2", "interfaceId": interface},
                    "children": [link],
                    "then": [{"type": "add-datacenter", "id": f"{name}-dc", "meta": meta,
                              "args": {"datacenterId": 1 + index % 6}}]}
        services.append({"name": name, "uuid": uuid, "vrack": vrack, "shape": shape, "root": root, "meta": meta})
    return services


def walk(document, parent=None, relation=None, out=None):
    """Every job of a document tree: id -> (document, parent id, 'then' or 'children')."""
    out = {} if out is None else out
    out[document["id"]] = (document, parent, relation)
    for key in ("then", "children"):
        for sub in document.get(key, []):
            walk(sub, document["id"], key, out)
    return out


def teardown_documents(services, results):
    """One delete-tree per service; for l3-static services whose PoP was made, with its
    popId (the one-PoP form), for the others without (every PoP of the service)."""
    documents = []
    for service in services:
        args = {"serviceName": service["uuid"]}
        pop = results.get(f"{service['name']}-pop")
        if service["shape"] == "l3-static" and pop and "popId" in pop:
            args["popId"] = pop["popId"]
        documents.append({"type": "delete-tree", "id": f"{service['name']}-teardown", "meta": service["meta"], "args": args})
    return documents


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
            "CONNECTQ_QUEUE": QUEUE,
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
        self.findings = []  # (check, message) problems outside the four checks
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
        argv = [os.path.join(self.bin, "connectq"), "worker", "--concurrency", "16", "--ovh-task-poll", "50ms",
                "--ovh-rate-limit", "2000/s", "--lease", f"{LEASE_S}s",
                "--grace", "3s", "--max-stalls", "10", "--retry-cap", "4s", "--log-level", self.o.log_level]
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
        """What keeps the queue from being idle (empty when idle); None when Redis is out of reach."""
        names = ["inbox", "waiting", "delayed", "active", "waitingChildren", "waitingResource"]
        try:
            replies = sizes(self.client, names)
            intake = self.client.scan_keys(PREFIX + "intake:*")
        except (OSError, RedisReplyError):
            return None
        busy = {name: value for name, value in zip(names, replies) if value}
        if intake:
            busy["intake lists"] = len(intake)
        return busy

    # The run -------------------------------------------------------------------------------

    def chaos_until_idle(self, name, deadline, schedule):
        """Kills and stops until the queue is idle (twice in a row, 1 s apart) or the deadline."""
        start = now()
        next_kill = start + schedule["first_kill"]
        next_term = start + schedule["first_term"]
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
        path = os.path.join(self.work, f"{name}.json")
        with open(path, "w") as handle:
            json.dump(documents, handle, indent=1)
        result = self.connectq("enqueue", path, output=f"enqueue-{name}.txt")
        if result.returncode != 0:
            raise SystemExit(f"connectq enqueue {path} failed ({result.returncode}): {result.stderr}")
        ids = result.stdout.split()
        log(f"{name}: {len(ids)} jobs enqueued")
        finished, took = self.chaos_until_idle(name, deadline, schedule)
        log(f"{name}: {'idle' if finished else 'TIMED OUT'} after {took:.1f} s")
        return ids, finished, took


def sizes(client, names):
    """Entries of each queue key, whatever its type (`waiting` was a list, is a sorted set
    since priorities): TYPE, then the type's count, two round trips."""
    kinds = client.pipeline([["TYPE", PREFIX + name] for name in names])
    count = {"list": "LLEN", "zset": "ZCARD", "hash": "HLEN", "set": "SCARD", "stream": "XLEN", "string": "STRLEN"}
    commands = [[count.get(kind, "EXISTS"), PREFIX + name] for name, kind in zip(names, kinds)]
    replies = client.pipeline(commands)
    for reply in replies:
        if isinstance(reply, RedisReplyError):
            raise reply
    return replies


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------
# The checks


def decode(value):
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value


def read_events(client):
    entries = client.stream(PREFIX + "events")
    events = []
    for entry_id, fields in entries:
        event = {decode(k): decode(v) for k, v in fields.items()}
        event["_id"] = decode(entry_id)
        events.append(event)
    return events


def check_events(events, planned, enqueued, stream_info):
    """1. Every job has exactly one terminal event, every enqueued id is known; `then`
    follow-ups exist exactly when their job completed; nothing happens to a job after its
    terminal event; no job has two attempts at once; every job id is ours (planned, or a
    child of one)."""
    problems = []
    by_id = defaultdict(list)
    parent_of = {}
    for event in events:
        if "id" not in event:
            continue  # paused / resumed
        by_id[event["id"]].append(event)
        if event.get("parent"):
            parent_of[event["id"]] = event["parent"]
    added, length = stream_info.get("entries-added"), stream_info.get("length")
    if added is not None and added != length:
        problems.append(f"the events stream was trimmed ({added} added, {length} left): the check cannot be exact")

    def root_known(job_id, depth=0):
        if job_id in planned:
            return True
        parent = parent_of.get(job_id)
        return parent is not None and depth < 20 and root_known(parent, depth + 1)

    terminal_count = Counter()
    outcome = {}
    for job_id, evs in by_id.items():
        terminals = [e for e in evs if e.get("event") in TERMINAL]
        terminal_count[len(terminals)] += 1
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
    unknown_enqueued = [i for i in enqueued if i not in by_id]
    for job_id in unknown_enqueued:
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
    stats = {"jobs": len(by_id), "planned": sum(1 for i in by_id if i in planned), "delete steps (dynamic children)": len(dynamic),
             "completed": sum(1 for e in outcome.values() if e["event"] == "completed"),
             "failed": sum(1 for e in outcome.values() if e["event"] == "failed")}
    return problems, outcome, stats, by_id


def result_of(event):
    try:
        return json.loads(event.get("result") or "null") or {}
    except json.JSONDecodeError:
        return {}


def check_provisioned(state, services, planned, outcome):
    """2a. After provisioning, the simulator holds exactly what the completed jobs say:
    each link, PoP, DC config and extra a completed job returned, nothing twice, nothing
    a job did not return (an orphan: made by a job that failed, or not recorded)."""
    problems = []
    links, pops, dcs, extras = ovhsim.objects(state)
    ours = {s["uuid"]: s for s in services}
    completed = {i: result_of(e) for i, e in outcome.items() if e["event"] == "completed"}

    def fate(job_id):
        event = outcome.get(job_id)
        if event is None:
            return f"{job_id} has no terminal event"
        if event["event"] == "failed":
            return f"{job_id} failed: {event.get('error', '')[:200]}"
        return f"{job_id} completed"

    expected_pops, expected_dcs, expected_extras = set(), set(), set()
    for job_id, (document, _, _) in planned.items():
        result = completed.get(job_id)
        if result is None:
            continue
        if document["type"] == "create-pop":
            expected_pops.add((result.get("serviceName"), result.get("popId")))
        elif document["type"] == "add-datacenter":
            expected_dcs.add(result.get("datacenterConfigId"))
        elif document["type"] == "add-extra":
            expected_extras.add(result.get("extraId"))
    for service in services:
        link_job = f"{service['name']}-link"
        have = links.get(service["uuid"])
        if link_job in completed:
            if have != service["vrack"]:
                problems.append(f"{service['name']}: link-vrack completed, yet the service is in vRack {have}")
        elif have is not None:
            problems.append(f"{service['name']}: orphan link to {have} ({fate(link_job)})")
    counts = Counter()
    per_interface = Counter()
    for uuid, pop in pops:
        per_interface[(uuid, pop["interfaceId"])] += 1
        counts["pops"] += 1
        if (uuid, pop["id"]) not in expected_pops:
            name = ours[uuid]["name"] if uuid in ours else uuid
            problems.append(f"orphan PoP config {pop['id']} on {name} ({fate(name + '-pop')})")
    for (uuid, interface), n in per_interface.items():
        if n > 1:
            problems.append(f"duplicate: {n} PoP configs on interface {interface} of {uuid}")
    found_pops = {(uuid, pop["id"]) for uuid, pop in pops}
    for missing in expected_pops - found_pops:
        problems.append(f"PoP config {missing[1]} of {missing[0]}: a job completed with it, the simulator does not have it")
    per_dc = Counter()
    name_of_vrack = {s["vrack"]: s["name"] for s in services}
    for vrack, users, config in dcs:
        counts["datacenter configs"] += 1
        per_dc[(vrack, config["datacenterId"])] += 1
        if config["id"] not in expected_dcs:
            name = name_of_vrack.get(vrack, vrack)
            jobs = [i for i, (d, _, _) in planned.items() if d["type"] == "add-datacenter" and i.startswith(name + "-")
                    and d["args"].get("datacenterId") == config["datacenterId"]]
            problems.append(f"orphan datacenter config {config['id']} (datacenter {config['datacenterId']}) in {vrack} "
                            f"({'; '.join(fate(j) for j in jobs) or 'no job of ours'})")
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
            name = name_of_vrack.get(vrack, vrack)
            jobs = [i for i, (d, _, _) in planned.items() if d["type"] == "add-extra" and i.startswith(name + "-")]
            problems.append(f"orphan extra {extra['id']} ({extra['type']}) on datacenter config {config_id} in {vrack} "
                            f"({'; '.join(fate(j) for j in jobs) or 'no job of ours'})")
    for spec, n in per_spec.items():
        if n > 1:
            problems.append(f"duplicate: {n} extras {spec[1]} {spec[2] or spec[4]} on datacenter config {spec[0]}")
    found_extras = {extra["id"] for _, _, extra in extras}
    for missing in expected_extras - found_extras:
        problems.append(f"extra {missing}: a job completed with it, the simulator does not have it")
    counts["links"] = sum(1 for s in services if links.get(s["uuid"]))
    return problems, counts


def check_torn_down(state, before, services, outcome):
    """2b. After the tear-down nothing is left: no PoP, DC config or extra on any of our
    services; the links stay (there is no unlink job); each completed delete-tree counted
    what its service held."""
    problems, explained = [], []
    links, pops, dcs, extras = ovhsim.objects(state)
    by_uuid = {s["uuid"]: s for s in services}
    by_vrack = {s["vrack"]: s for s in services}

    def left(service, what):
        """Left behind by a delete-tree that failed (an OVH task ended in error) is the
        job's honest outcome; left by one that completed, or by none, is a defect."""
        event = outcome.get(f"{service['name']}-teardown") if service else None
        if event is not None and event["event"] == "failed":
            code = json.loads(event.get("error") or "{}").get("code")
            explained.append(f"{what} of {service['name']} left: its delete-tree failed ({code})")
        else:
            fate = "no terminal event" if event is None else event["event"]
            problems.append(f"left after tear-down: {what} of {service['name'] if service else '?'} (delete-tree: {fate})")

    for uuid, pop in pops:
        left(by_uuid.get(uuid), f"PoP config {pop['id']}")
    for vrack, users, config in dcs:
        left(by_vrack.get(vrack), f"datacenter config {config['id']}")
    for vrack, config_id, extra in extras:
        left(by_vrack.get(vrack), f"extra {extra['id']} on datacenter config {config_id}")
    _, pops0, dcs0, extras0 = ovhsim.objects(before)
    for service in services:
        event = outcome.get(f"{service['name']}-teardown")
        if event is None or event["event"] != "completed":
            continue
        deleted = result_of(event).get("deleted", {})
        held = {"pops": sum(1 for u, _ in pops0 if u == service["uuid"]),
                "datacenters": sum(1 for v, _, _ in dcs0 if v == service["vrack"]),
                "extras": sum(1 for v, _, _ in extras0 if v == service["vrack"])}
        if {k: deleted.get(k, 0) for k in held} != held:
            problems.append(f"{service['name']}-teardown completed with deleted {deleted}; the service held {held}")
    return problems, explained


def check_keys(client, known_ids):
    """3. Every key is one the engine names; every job record is one of our jobs and is
    finished; nothing waiting, active, delayed or held; no intake list left."""
    problems, notes = [], []
    keys = sorted(decode(k) for k in client.scan_keys("*"))
    kinds = Counter()
    job_states = Counter()
    for key in keys:
        if key.startswith("connectq:budget:{") and key.endswith("}"):
            kinds["budget"] += 1
            continue
        if not key.startswith(PREFIX):
            problems.append(f"key outside the queue: {key}")
            continue
        rest = key[len(PREFIX):]
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
            if name not in known_ids:
                problems.append(f"job record of an unknown job: {key}")
            state = decode(client("HGET", key, "state"))
            job_states[state] += 1
            if state not in TERMINAL:
                problems.append(f"job {name} left in state {state}")
        elif prefix == "intake:":
            problems.append(f"intake list of worker {name} left with {client('LLEN', key)} entries")
        elif prefix == "resource:":
            problems.append(f"jobs left waiting for resource {name}: {[decode(v) for v in client('LRANGE', key, 0, -1)]}")
    names = ["inbox", "waiting", "delayed", "active", "waitingChildren", "waitingResource", "resourceLocks"]
    for name, n in zip(names, sizes(client, names)):
        if n:
            problems.append(f"{name} holds {n} entries at the end")
    if client("EXISTS", PREFIX + "paused"):
        problems.append("the queue is left paused")
    stale = [decode(w) for w in client("ZRANGE", PREFIX + "workers", 0, -1)]
    if stale:
        notes.append(f"{len(stale)} worker heartbeat(s) left after every worker stopped (killed ones not yet swept)")
    stats = {"keys": len(keys), "job records": kinds["job:"], "job records by state": dict(job_states)}
    return problems, notes, stats


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


# ---------------------------------------------------------------------------------------


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
    o.kill_every = (2.0, 5.0)
    o.term_every = (6.0, 12.0)
    schedules = {"provisioning": {"first_kill": 0.5, "first_term": 4.0, "redis": [6.0 if o.short else 10.0]},
                 "tear-down": {"first_kill": 1.5, "first_term": 3.0, "redis": [4.0 if o.short else 6.0]}}

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
        # Every event is kept for the checks: the queue's own setting, for all its workers.
        configured = run.connectq("settings", "set", "--events-max-length", "10000000", output="settings.txt")
        if configured.returncode != 0:
            raise SystemExit(f"connectq settings set failed: {configured.stderr}")
        for slot in range(WORKERS):
            run.start_worker(slot)
        services = plan_services(state0, o.services)
        planned = {}
        for service in services:
            walk(service["root"], out=planned)
        log(f"{o.services} services, {len(planned)} jobs planned; Redis :{run.redis_port}, simulator :{run.sim_port}")
        time.sleep(1)  # the workers load the function library
        ids1, ok1, took1 = run.phase("provisioning", [s["root"] for s in services],
                                     started + 0.65 * o.duration, schedules["provisioning"])
        results["phases"] = [("provisioning", took1, ok1)]
        state1 = ovhsim.fetch_state(run.sim_port)
        json.dump(state1, open(os.path.join(o.work, "state-provisioned.json"), "w"), indent=1)
        events_mid = read_events(run.client)
        mid_results = {e["id"]: result_of(e) for e in events_mid if e.get("event") == "completed"}
        ids2, ok2, state2 = [], False, None
        if ok1:
            teardown = teardown_documents(services, mid_results)
            for document in teardown:
                walk(document, out=planned)
            ids2, ok2, took2 = run.phase("tear-down", teardown, deadline, schedules["tear-down"])
            results["phases"].append(("tear-down", took2, ok2))
            state2 = ovhsim.fetch_state(run.sim_port)
            json.dump(state2, open(os.path.join(o.work, "state-torn-down.json"), "w"), indent=1)
        # Let the live workers sweep the heartbeats of the killed ones, then stop them.
        sweep_until = now() + 3 * LEASE_S
        while now() < sweep_until:
            run.tend_workers()
            live = len(run.running_slots())
            try:
                if run.client("ZCARD", PREFIX + "workers") <= live:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        run.stop_workers()
        wall = now() - started
        run.connectq("stats", "--json", output="stats.json")
        run.connectq("report", output="report.txt")

        # Checks
        events = read_events(run.client)
        with open(os.path.join(o.work, "events.jsonl"), "w") as handle:
            for event in events:
                handle.write(json.dumps(event) + "\n")
        info = run.client("XINFO", "STREAM", PREFIX + "events")
        info = {decode(k): v for k, v in zip(info[::2], info[1::2])}
        checks = []
        p1, outcome, stats1, by_id = check_events(events, planned, ids1 + ids2, info)
        if not ok1 or (ok1 and not ok2):
            p1.insert(0, "the run timed out before the queue was idle: raise --duration")
        checks.append(("1. one terminal event per job", p1,
                       f"{stats1['jobs']} jobs ({stats1['planned']} planned + {stats1['delete steps (dynamic children)']} "
                       f"delete steps): {stats1['completed']} completed, {stats1['failed']} failed"))
        p2, counts2 = check_provisioned(state1, services, planned, outcome)
        checks.append(("2a. simulator = completed jobs (provisioned)", p2,
                       f"{counts2['links']} links, {counts2['pops']} PoPs, {counts2['datacenter configs']} DC configs, "
                       f"{counts2['extras']} extras"))
        if state2 is not None:
            p2b, explained = check_torn_down(state2, state1, services, outcome)
            run.notes.extend(explained)
            checks.append(("2b. nothing left after tear-down", p2b,
                           "PoPs, DC configs, extras and delete-tree counts"
                           + (f"; {len(explained)} left by a failed delete-tree (notes)" if explained else "")))
        else:
            checks.append(("2b. nothing left after tear-down", ["no tear-down: provisioning did not finish"], ""))
        known = set(by_id)
        p3, notes3, stats3 = check_keys(run.client, known)
        run.notes.extend(notes3)
        checks.append(("3. every queue key accounted for", p3,
                       f"{stats3['keys']} keys, {stats3['job records']} job records {stats3['job records by state']}"))
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
        report(o, run, machine, results, wall, checks, stats1, events)
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


def report(o, run, machine, results, wall, checks, stats1, events):
    log_lines = ovhsim.read_request_log(os.path.join(o.work, "requests.jsonl"))
    statuses = Counter(line["status"] for line in log_lines if line["path"].startswith("/1.0"))
    faults = sum(statuses[s] for s in (500, 502, 503, 429))
    signed = sum(statuses.values())
    retrying = Counter()
    for event in events:
        if event.get("event") in ("retrying", "failed", "waiting") and event.get("error"):
            try:
                retrying[json.loads(event["error"]).get("code")] += 1
            except json.JSONDecodeError:
                pass
    lost_seen = retrying["ovh_unreachable"]
    phases = ", ".join(f"{name} {took:.0f} s{'' if ok else ' (TIMED OUT)'}" for name, took, ok in results.get("phases", []))
    did = [
        ("services (provisioned, then torn down)", f"{o.services}"),
        ("jobs (planned + delete steps)", f"{stats1['jobs']}: {stats1['completed']} completed, {stats1['failed']} failed"),
        ("worker SIGKILLs / SIGTERMs", f"{run.counts['worker SIGKILLs']} / {run.counts['worker SIGTERMs']} "
                                      f"(3 workers, {sum(run.starts)} starts in all)"),
        ("Redis SIGKILLs and restarts (AOF, fsync always)", f"{run.counts['redis restarts']}"),
        ("API calls / faults injected (500, 502, 503, 429)", f"{signed} / {faults} "
         f"({', '.join(f'{s}: {statuses[s]}' for s in (500, 502, 503, 429))})"),
        ("lost answers (5 % of calls carried out)", f"~{round(o.lost_rate * (signed - faults))} expected "
                                                    f"(lost GETs are retried inside the client); {lost_seen} "
                                                    f"POST/DELETE answers lost, seen by jobs as ovh_unreachable"),
        ("errors in events by code", ", ".join(f"{k}: {v}" for k, v in retrying.most_common()) or "none"),
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

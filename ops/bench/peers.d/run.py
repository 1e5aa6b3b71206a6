#!/usr/bin/env python3
"""Controller of ops/bench/peers (standard library only, so connectq is measured even when
the peers' virtualenv could not be built). See ops/bench/peers for the set-up and
docs/benchmarks.md, section "ops/bench/peers", for the method.

For each system and for 1 and then 2 worker processes, on one throwaway Redis:
  FLUSHALL; enqueue N no-op jobs (timed, INFO commandstats diff); start the workers;
  wait for the first job (CPU snapshot), then for the N-th (CPU and commandstats
  snapshots); span = first job .. last job; stop the workers.
Then one untimed sample run under MONITOR splits the calls into top-level ones and the
ones scripts make (redis.call inside EVALSHA/FCALL, shown as [db lua]).
Every step has a deadline; a system that fails gets a row saying why.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
CLK_TCK = os.sysconf("SC_CLK_TCK")
POLL = 0.005  # seconds between two looks at progress (ts files or the events stream)
SCRIPT_COMMANDS = ("evalsha", "eval", "evalsha_ro", "eval_ro", "fcall", "fcall_ro")


class BenchError(Exception):
    pass


# ---------------------------------------------------------------- Redis (RESP2, minimal)
class Redis:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.file = self.sock.makefile("rb")
        self.local_port = self.sock.getsockname()[1]
        self.sent = Counter()  # our own commands, to take out of commandstats diffs

    def call(self, *args):
        name = str(args[0]).lower()
        if name in ("xinfo", "config", "client", "script") and len(args) > 1:
            name += "|" + str(args[1]).lower()  # as INFO commandstats names subcommands
        self.sent[name] += 1
        parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        self.sock.sendall(b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts))
        return self.read()

    def read(self):
        line = self.file.readline()
        if not line:
            raise BenchError("Redis closed the connection")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise BenchError("Redis error: " + rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            if size < 0:
                return None
            data = self.file.read(size + 2)[:-2]
            return data.decode(errors="replace")
        if kind == b"*":
            size = int(rest)
            return None if size < 0 else [self.read() for _ in range(size)]
        raise BenchError("unexpected reply %r" % line)

    def commandstats(self):
        stats = {}
        for line in self.call("INFO", "commandstats").splitlines():
            m = re.match(r"cmdstat_([^:]+):calls=(\d+)", line)
            if m:
                stats[m.group(1)] = int(m.group(2))
        return stats

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def commandstats_diff(before, after, ours):
    """Calls per command between two snapshots, without the ones we sent ourselves."""
    diff = Counter()
    for name, calls in after.items():
        delta = calls - before.get(name, 0)
        if delta:
            diff[name] = delta
    for name, count in ours.items():
        if diff.get(name):
            diff[name] = max(0, diff[name] - count)
    return +diff


# ---------------------------------------------------------------- CPU from /proc
def proc_table():
    """pid -> (ppid, utime+stime, cutime+cstime) in clock ticks, for every live process."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        # fields[0] is field 3 (state): ppid is field 4, utime..cstime fields 14..17
        table[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14]))
    return table


def tree_cpu_ms(roots):
    """utime+stime of the roots and all their descendants, plus what their reaped children
    used (cutime+cstime), in milliseconds."""
    table = proc_table()
    children = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    total, seen, todo = 0, set(), [r for r in roots if r in table]
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += table[pid][1] + table[pid][2]
        todo.extend(children.get(pid, []))
    return total * 1000.0 / CLK_TCK


def pid_cpu_ms(pid):
    return tree_cpu_ms([pid])


def machine_busy_ms():
    """CPU time the whole machine spent busy (all cores), from /proc/stat, in milliseconds."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal (guest time is within user)
    return (sum(fields[:8]) - fields[3] - fields[4]) * 1000.0 / CLK_TCK


def own_cpu_ms():
    t = os.times()
    return (t.user + t.system) * 1000.0


def wait_quiet(redis_pid, max_wait, threshold):
    """Waits, at most max_wait seconds, until the machine has spent less than `threshold` of
    its CPU elsewhere over one second (on a shared machine a run would otherwise measure the
    neighbours too). Returns the seconds waited."""
    start = time.monotonic()
    while max_wait > 0:
        b0, o0, r0 = machine_busy_ms(), own_cpu_ms(), pid_cpu_ms(redis_pid)
        time.sleep(1.0)
        b1, o1, r1 = machine_busy_ms(), own_cpu_ms(), pid_cpu_ms(redis_pid)
        share = max(0.0, (b1 - b0) - (o1 - o0) - (r1 - r0)) / (1000.0 * os.cpu_count())
        if share < threshold or time.monotonic() - start >= max_wait:
            break
    return time.monotonic() - start


# ---------------------------------------------------------------- process groups
class Processes:
    """Worker processes, each in its own session; their group ids go to PGID_FILE too so
    that ops/bench/peers can kill them even if this controller is killed."""

    def __init__(self, pgid_file, log_dir):
        self.pgid_file = pgid_file
        self.log_dir = log_dir
        self.procs = []

    def start(self, argv, env, cwd, name):
        log = open(os.path.join(self.log_dir, name + ".log"), "ab")
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        with open(self.pgid_file, "a") as f:
            f.write("%d\n" % proc.pid)
        self.procs.append(proc)
        return proc

    def stop(self, grace=10.0):
        for proc in self.procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        for proc in self.procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for proc in self.procs:  # the leader or any child left over (prefork pools, forks)
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self.procs = []


# ---------------------------------------------------------------- systems
def system_specs(a):
    """How each system enqueues, starts P worker processes and is described."""
    url = a.url
    py = os.path.join(a.venv, "bin", "python") if a.venv else None
    venv_bin = lambda tool: os.path.join(a.venv, "bin", tool) if a.venv else None
    specs = {}

    specs["connectq"] = dict(
        needs=[os.path.join(a.bin, "connectq"), os.path.join(a.bin, "connectq-bench")],
        enqueue=lambda q, n: [os.path.join(a.bin, "connectq-bench"), "push", url, q, str(n)],
        enqueue_how="connectq-bench push: multi-value LPUSH of 500 jobs, 8 in flight",
        workers=lambda q, p: [[os.path.join(a.bin, "connectq"), "worker", "--redis", url, "--queue", q,
                               "--diagnostic-jobs", "--concurrency", str(a.connectq_concurrency),
                               "--log-level", "error"] for _ in range(p)],
        config="`--concurrency %d`, %s" % (a.connectq_concurrency, "P processes"),
        progress="events",
    )
    specs["sidekiq"] = dict(
        needs=["/usr/bin/sidekiq", "/usr/bin/ruby"] if not a.no_sidekiq else [None],
        enqueue=lambda q, n: ["ruby", os.path.join(HERE, "sidekiq_push.rb"), q, str(n)],
        enqueue_how="Sidekiq::Client.push_bulk, 1,000 jobs per call",
        workers=lambda q, p: [["sidekiq", "-r", os.path.join(HERE, "sidekiq_job.rb"), "-q", q,
                               "-c", str(a.sidekiq_concurrency)] for _ in range(p)],
        config="`-c %d` (threads), hiredis driver, logger at WARN, P processes" % a.sidekiq_concurrency,
    )
    specs["rq"] = dict(
        needs=[py, venv_bin("rq")],
        enqueue=lambda q, n: [py, os.path.join(HERE, "enqueue.py"), "rq", url, q, str(n)],
        enqueue_how="Queue.enqueue_many in pipelines of 1,000, result_ttl=0",
        workers=lambda q, p: [[venv_bin("rq"), "worker", "-w", "rq.worker.SimpleWorker", "-u", url,
                               "--logging_level", "WARNING", "--disable-job-desc-logging", q]
                              for _ in range(p)],
        config="`SimpleWorker` (no fork per job), one job at a time per process, P processes",
    )
    py_arq = os.path.join(a.venv_arq, "bin", "python") if a.venv_arq else None
    specs["arq"] = dict(
        needs=[py_arq],
        enqueue=lambda q, n: [py_arq, os.path.join(HERE, "enqueue.py"), "arq", url, q, str(n)],
        enqueue_how="enqueue_job (WATCH/MULTI/EXEC each), 500 concurrently",
        workers=lambda q, p: [[py_arq, "-c", "import peer_arq; peer_arq.work()"] for _ in range(p)],
        env={"PEERS_ARQ_MAX_JOBS": str(a.arq_max_jobs), "PEERS_ARQ_POLL_DELAY": str(a.arq_poll_delay)},
        config="`max_jobs=%d`, `poll_delay=%gs`, `keep_result=0`, P processes" % (a.arq_max_jobs, a.arq_poll_delay),
    )
    celery_common = ["-A", "peer_celery", "worker", "--without-gossip", "--without-mingle",
                     "--without-heartbeat", "--loglevel", "WARNING"]
    if a.celery_pool == "prefork":
        celery_workers = lambda q, p: [[venv_bin("celery")] + celery_common +
                                       ["-Q", q, "--pool", "prefork", "--concurrency", str(p)] +
                                       (["-O", "fair"] if a.celery_fair else [])]
        celery_config = "prefork pool, `--concurrency P` (P child processes + the main one)"
    else:
        celery_workers = lambda q, p: [[venv_bin("celery")] + celery_common +
                                       ["-Q", q, "--pool", a.celery_pool, "--concurrency",
                                        str(a.celery_threads if a.celery_pool == "threads" else 1)]
                                       for _ in range(p)]
        celery_config = "`--pool %s`%s, P processes" % (
            a.celery_pool, " `--concurrency %d`" % a.celery_threads if a.celery_pool == "threads" else "")
    specs["celery"] = dict(
        needs=[py, venv_bin("celery")],
        enqueue=lambda q, n: [py, os.path.join(HERE, "enqueue.py"), "celery", url, q, str(n)],
        enqueue_how="apply_async in a loop on one producer",
        workers=celery_workers,
        env={"PEERS_CELERY_PREFETCH": str(a.celery_prefetch)},
        config=celery_config + ", prefetch multiplier %d%s, no gossip/mingle/heartbeat, ignore_result" % (
            a.celery_prefetch, ", `-O fair`" if a.celery_fair and a.celery_pool == "prefork" else ""),
    )
    specs["dramatiq"] = dict(
        needs=[py, venv_bin("dramatiq")],
        enqueue=lambda q, n: [py, os.path.join(HERE, "enqueue.py"), "dramatiq", url, q, str(n)],
        enqueue_how="actor.send() in a loop (one dispatch-script call each)",
        workers=lambda q, p: [[venv_bin("dramatiq"), "peer_dramatiq", "--processes", str(p),
                               "--threads", str(a.dramatiq_threads), "--path", HERE, "--queues", q]],
        env={"dramatiq_queue_prefetch": str(a.dramatiq_prefetch)} if a.dramatiq_prefetch else {},
        config="`--processes P --threads %d` (P worker processes + the main one), queue prefetch %s" % (
            a.dramatiq_threads, a.dramatiq_prefetch or "2 × threads (default)"),
    )
    return specs


# ---------------------------------------------------------------- one run
class Runner:
    def __init__(self, a):
        self.a = a
        self.redis = Redis(a.port)
        self.work = a.work
        self.procs = Processes(os.path.join(a.work, "pgids"), os.path.join(a.work, "logs"))
        os.makedirs(os.path.join(a.work, "logs"), exist_ok=True)

    def env(self, spec, queue, ts_dir):
        env = dict(os.environ)
        env.update(PEERS_REDIS_URL=self.a.url, REDIS_URL=self.a.url, PEERS_QUEUE=queue, PEERS_TS_DIR=ts_dir,
                   PYTHONPATH=HERE, PYTHONDONTWRITEBYTECODE="1")
        env.update(spec.get("env", {}))
        return env

    def read_marks(self, ts_dir):
        """(count, first, last) over the per-process files written by the no-op job."""
        count, first, last = 0, None, None
        for name in os.listdir(ts_dir):
            try:
                with open(os.path.join(ts_dir, name)) as f:
                    line = f.read()
            except OSError:
                continue
            parts = line.split()
            if not line.endswith("\n") or len(parts) != 3:
                continue  # caught mid-write: read it again next time
            f0, f1, c = float(parts[0]), float(parts[1]), int(parts[2])
            count += c
            first = f0 if first is None else min(first, f0)
            last = f1 if last is None else max(last, f1)
        return count, first, last

    def run(self, name, spec, processes, n, deadline, monitor=False):
        a, r = self.a, self.redis
        queue = "bench-%s-%d" % (name, processes)
        ts_dir = os.path.join(self.work, "ts-%s-%d%s" % (name, processes, "-mon" if monitor else ""))
        shutil.rmtree(ts_dir, ignore_errors=True)
        os.makedirs(ts_dir)
        env = self.env(spec, queue, ts_dir)
        tag = "%s-%dp%s" % (name, processes, "-mon" if monitor else "")
        log = os.path.join(self.work, "logs", tag + ".log")
        r.call("FLUSHALL")

        # Enqueue all N first.
        before, ours = r.commandstats(), Counter(r.sent)
        started = time.monotonic()
        with open(log, "ab") as out:
            try:
                done = subprocess.run(spec["enqueue"](queue, n), env=env, cwd=HERE, stdout=out,
                                      stderr=subprocess.STDOUT, timeout=max(1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                raise BenchError("enqueue timed out")
        enqueue_s = time.monotonic() - started
        if done.returncode != 0:
            raise BenchError("enqueue failed (exit %d): %s" % (done.returncode, tail(log)))
        enqueue_calls = commandstats_diff(before, r.commandstats(), r.sent - ours)

        # Start the workers; wait for the first job, then for the N-th.
        mon = Monitor(a.port, r.local_port) if monitor else None
        before, ours = r.commandstats(), Counter(r.sent)
        roots = []
        for i, argv in enumerate(spec["workers"](queue, processes)):
            roots.append(self.procs.start(argv, env, HERE, "%s-w%d" % (tag, i)).pid)
        cpu0 = redis0 = monitor_counts = None
        events_key = "connectq:{%s}:events" % queue
        try:
            while True:
                if time.monotonic() > deadline:
                    raise BenchError("timed out waiting for the jobs (%s)" % self.progress(spec, ts_dir, events_key, n))
                dead = [p for p in self.procs.procs if p.poll() is not None]
                if dead:
                    raise BenchError("a worker process exited (status %s): %s" % (
                        dead[0].returncode, tail(os.path.join(self.work, "logs", "%s-w0.log" % tag))))
                if spec.get("progress") == "events":
                    seen = self.events_added(events_key)
                    started_now, finished = seen > 0, seen >= 3 * n  # accepted, active, completed
                else:
                    count, _, _ = self.read_marks(ts_dir)
                    started_now, finished = count > 0, count >= n
                if cpu0 is None and started_now:
                    cpu0, redis0 = tree_cpu_ms(roots), pid_cpu_ms(a.redis_pid)
                    busy0, own0, t0 = machine_busy_ms(), own_cpu_ms(), time.monotonic()
                if finished:
                    cpu1, redis1 = tree_cpu_ms(roots), pid_cpu_ms(a.redis_pid)
                    busy1, own1, t1 = machine_busy_ms(), own_cpu_ms(), time.monotonic()
                    calls = commandstats_diff(before, r.commandstats(), r.sent - ours)
                    if mon:  # before connectq-bench drain, whose calls are not the workers'
                        monitor_counts, mon = mon.stop(r), None
                    break
                time.sleep(POLL)
            if spec.get("progress") == "events":
                span = self.connectq_span(queue, deadline, log)
            else:
                count, first, last = self.read_marks(ts_dir)
                if count != n:
                    raise BenchError("%d jobs ran, %d expected" % (count, n))
                span = last - first
        finally:
            if mon:
                mon.stop(r)
            self.procs.stop()
        if span <= 0:
            raise BenchError("span %.3f s" % span)
        return dict(
            jobs_per_s=n / span, span_s=span,
            worker_cpu_ms_per_1k=(cpu1 - cpu0) * 1000.0 / n,
            redis_cpu_ms_per_1k=(redis1 - redis0) * 1000.0 / n,
            calls_per_job=sum(calls.values()) / n,
            script_calls_per_job=sum(v for k, v in calls.items() if k in SCRIPT_COMMANDS) / n,
            top_commands={k: round(v / n, 3) for k, v in calls.most_common(12)},
            enqueue_jobs_per_s=n / enqueue_s,
            enqueue_calls_per_job=sum(enqueue_calls.values()) / n,
            # CPU that other processes (not the workers, redis-server or this controller)
            # used during the window, as a share of the whole machine: a check on the figures.
            others_share=max(0.0, (busy1 - busy0) - (cpu1 - cpu0) - (redis1 - redis0) - (own1 - own0)) / (
                max(t1 - t0, 1e-3) * 1000.0 * os.cpu_count()),
            controller_cpu_ms_per_1k=(own1 - own0) * 1000.0 / n,
            monitor=monitor_counts and {k: v / n for k, v in monitor_counts.items()},
        )

    def connectq_span(self, queue, deadline, log):
        """connectq-bench drain: `span=` from the queue's first event to its last."""
        timeout = max(5, int(deadline - time.monotonic()))
        out = subprocess.run([os.path.join(self.a.bin, "connectq-bench"), "drain", self.a.url, queue, str(timeout)],
                             capture_output=True, text=True, timeout=timeout + 10)
        with open(log, "a") as f:
            f.write(out.stdout + out.stderr)
        m = re.search(r"span=([0-9.]+)", out.stdout)
        if out.returncode != 0 or not m:
            raise BenchError("connectq-bench drain failed: %s" % (out.stderr.strip() or out.stdout.strip()))
        return float(m.group(1))

    def events_added(self, key):
        """Events ever appended to the stream (its trimming aside): XINFO STREAM entries-added."""
        try:
            info = self.redis.call("XINFO", "STREAM", key)
        except BenchError:
            return 0  # no stream yet
        info = dict(zip(info[::2], info[1::2]))
        return info.get("entries-added", info.get("length", 0))

    def progress(self, spec, ts_dir, events_key, n):
        if spec.get("progress") == "events":
            return "%d of %d events" % (self.events_added(events_key), 3 * n)
        return "%d of %d jobs ran" % (self.read_marks(ts_dir)[0], n)


class Monitor:
    """MONITOR in a thread: counts commands by top-level clients and by scripts ([db lua]),
    leaving out the controller's own connection."""

    def __init__(self, port, own_port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.own = b"127.0.0.1:%d" % own_port
        self.counts = Counter()
        self.sock.sendall(b"MONITOR\r\n")
        self.file = self.sock.makefile("rb")
        if not self.file.readline().startswith(b"+OK"):
            raise BenchError("MONITOR refused")
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        # +1700000000.123456 [0 127.0.0.1:54321] "evalsha" "…"   or   [0 lua] "hset" "…"
        pattern = re.compile(rb'^\+[0-9.]+ \[\d+ ([^\]]+)\] "([^"]+)"')
        try:
            for line in self.file:
                m = pattern.match(line)
                if not m:
                    continue
                if m.group(1) == self.own:
                    if b'"peers-monitor-end"' in line:
                        return
                    continue
                if m.group(1) == b"lua":
                    self.counts["in_scripts"] += 1
                else:
                    self.counts["top_level"] += 1
                    if m.group(2).decode().lower() in SCRIPT_COMMANDS:
                        self.counts["script_calls"] += 1
        except (OSError, ValueError):
            pass

    def stop(self, redis):
        """Counts up to now: a marker sent on our connection ends the reading once every
        line before it has been read."""
        redis.call("ECHO", "peers-monitor-end")
        self.thread.join(300)
        complete = not self.thread.is_alive()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.thread.join(5)
        self.sock.close()
        return dict(self.counts) if complete else None


def tail(path, lines=3):
    try:
        with open(path, errors="replace") as f:
            return " | ".join(l.strip() for l in f.read().splitlines()[-lines:] if l.strip())
    except OSError:
        return ""


# ---------------------------------------------------------------- versions, machine
def versions(a):
    out = {}

    def cmd(argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=60).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""
    out["connectq"] = "commit " + (a.commit or "?")
    if not a.no_sidekiq:
        out["sidekiq"] = cmd(["ruby", "-e", 'require "sidekiq"; print Sidekiq::VERSION']) + \
            " (redis-rb %s, Ruby %s)" % (cmd(["ruby", "-e", 'require "redis"; print Redis::VERSION']),
                                         cmd(["ruby", "-e", "print RUBY_VERSION"]))
    def pyversions(venv, packages):
        got = cmd([os.path.join(venv, "bin", "python"), "-c",
                   "import importlib.metadata as m, platform, json; print(json.dumps({p: m.version(p) for p in "
                   "%r} | {'python': platform.python_version()}))" % (packages,)])
        v = json.loads(got)
        return v, " (redis-py %s, hiredis %s, Python %s)" % (v["redis"], v["hiredis"], v["python"])
    try:
        if a.venv:
            v, extra = pyversions(a.venv, ("rq", "celery", "kombu", "dramatiq", "redis", "hiredis"))
            out["rq"] = v["rq"] + extra
            out["celery"] = "%s, kombu %s%s" % (v["celery"], v["kombu"], extra)
            out["dramatiq"] = v["dramatiq"] + extra
        if a.venv_arq:
            v, extra = pyversions(a.venv_arq, ("arq", "redis", "hiredis"))
            out["arq"] = v["arq"] + extra
    except (ValueError, KeyError):
        pass
    return out


def machine(r):
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    info = r.call("INFO", "server")
    version = re.search(r"redis_version:(\S+)", info).group(1)
    return dict(cores=os.cpu_count(), cpu=model, redis=version)


def redis_benchmark(a, r):
    """redis-benchmark LPUSH then RPOP, 50 clients, on the same Redis; with Redis CPU."""
    result = {}
    r.call("FLUSHALL")
    for test in ("lpush", "rpop"):
        cpu0 = pid_cpu_ms(a.redis_pid)
        out = subprocess.run(["redis-benchmark", "-p", str(a.port), "-t", test, "-n", str(a.rb_requests),
                              "-c", "50", "-q"], capture_output=True, text=True, timeout=300)
        cpu1 = pid_cpu_ms(a.redis_pid)
        m = re.search(r"%s: ([0-9.]+) requests per second" % test.upper(), out.stdout.replace("\r", "\n"))
        if not m:
            result[test] = dict(error="redis-benchmark: " + (out.stderr.strip() or out.stdout.strip())[-200:])
        else:
            result[test] = dict(per_s=float(m.group(1)), redis_cpu_ms_per_1k=(cpu1 - cpu0) * 1000.0 / a.rb_requests)
    r.call("FLUSHALL")
    return result


# ---------------------------------------------------------------- report
def fmt(v, digits=0):
    if v is None:
        return "–"
    return "{:,.{d}f}".format(v, d=digits)


def pair(results, key, digits=0, scale=1.0):
    vals = [results.get(p, {}).get(key) for p in ("1", "2")]
    if all(v is None for v in vals):
        return "–"
    return " / ".join(fmt(v * scale if v is not None else None, digits) for v in vals)


def report(data):
    """The main table, and notes for what failed."""
    head = ["system", "jobs/s, 1 / 2 proc", "× connectq", "worker CPU ms/1k jobs", "redis-server CPU ms/1k jobs",
            "Redis calls/job", "top-level + in scripts /job (MONITOR run, 1 proc)"]
    base = data["systems"].get("connectq", {}).get("runs", {})
    rows, notes = [], []
    for name, sysres in data["systems"].items():
        runs = sysres.get("runs", {})
        if sysres.get("error"):
            notes.append("%s: %s" % (name, sysres["error"]))
        if not runs:
            rows.append([name, "failed (see below)"] + [""] * (len(head) - 2))
            continue
        ratio = []
        for p in ("1", "2"):
            mine, ref = runs.get(p, {}).get("jobs_per_s"), base.get(p, {}).get("jobs_per_s")
            ratio.append("%.2f" % (mine / ref) if mine and ref else "–")
        mon = sysres.get("monitor")
        sample = "–"
        if mon:
            sample = "%.2f + %.1f" % (mon.get("top_level", 0), mon.get("in_scripts", 0))
            if mon.get("script_calls", 0) >= 0.005:
                sample += " (%.2f script calls)" % mon["script_calls"]
        rows.append([name, pair(runs, "jobs_per_s"), " / ".join(ratio), pair(runs, "worker_cpu_ms_per_1k"),
                     pair(runs, "redis_cpu_ms_per_1k"), pair(runs, "calls_per_job", 1), sample])
    rb = data.get("redis_benchmark", {})
    for test in ("lpush", "rpop"):
        t = rb.get(test, {})
        if "per_s" in t:
            ratio = "–"
            if base.get("1") and base.get("2"):
                ratio = "%.1f / %.1f" % (t["per_s"] / base["1"]["jobs_per_s"], t["per_s"] / base["2"]["jobs_per_s"])
            rows.append(["redis-benchmark %s (50 clients)" % test.upper(), fmt(t["per_s"]) + " requests/s", ratio,
                         "", fmt(t["redis_cpu_ms_per_1k"], 1), "1", ""])
        elif t:
            rows.append(["redis-benchmark " + test.upper(), "failed (see below)"] + [""] * (len(head) - 2))
            notes.append("redis-benchmark %s: %s" % (test, t.get("error", "?")))
    return head, rows, notes


def second_table(data):
    head = ["system", "version", "worker settings", "enqueue", "enqueued/s", "enqueue calls/job"]
    rows = []
    for name, sysres in data["systems"].items():
        runs = sysres.get("runs", {})
        r1 = runs.get("1", {})
        rows.append([name, data["versions"].get(name, "?"), sysres.get("config", ""), sysres.get("enqueue_how", ""),
                     pair(runs, "enqueue_jobs_per_s"), fmt(r1.get("enqueue_calls_per_job"), 2)])
    return head, rows


def commands_table(data):
    """Redis calls per job by command, 1 worker process (commandstats; scripts' calls included)."""
    head = ["system", "calls per job by command, 1 process (commandstats)"]
    rows = []
    for name, sysres in data["systems"].items():
        top = sysres.get("runs", {}).get("1", {}).get("top_commands")
        if top:
            rows.append([name, ", ".join("%s %.2f" % (k, v) for k, v in top.items() if v >= 0.01)])
    return head, rows


def plain(head, rows):
    widths = [max(len(str(c)) for c in col) for col in zip(head, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
    return "\n".join([line(head), line(["-" * w for w in widths])] + [line(r) for r in rows])


def markdown(head, rows):
    esc = lambda c: str(c).replace("|", "\\|")
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


# ---------------------------------------------------------------- main
def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--redis-pid", type=int, required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--bin", required=True)
    p.add_argument("--venv", default="")
    p.add_argument("--venv-arq", default="")
    p.add_argument("--venv-error", default="")
    p.add_argument("--no-sidekiq", default="")
    p.add_argument("--commit", default="")
    p.add_argument("--n", type=int, default=20000)
    p.add_argument("--sample-n", type=int, default=2000)
    p.add_argument("--timeout", type=float, default=300, help="seconds per system, all its runs")
    p.add_argument("--systems", default="connectq,sidekiq,rq,arq,celery,dramatiq")
    p.add_argument("--rb-requests", type=int, default=200000)
    p.add_argument("--quiet-wait", type=float, default=float(os.environ.get("PEERS_QUIET_WAIT", 120)),
                   help="seconds to wait at most, before each timed run, for a quiet machine")
    p.add_argument("--quiet-share", type=float, default=0.05,
                   help="quiet: less than this share of the machine's CPU spent elsewhere over 1 s")
    p.add_argument("--retry-share", type=float, default=float(os.environ.get("PEERS_RETRY_SHARE", 0.15)),
                   help="a timed run during which more than this went elsewhere is run once more")
    p.add_argument("--json-out", required=True)
    p.add_argument("--md-out", required=True)
    p.add_argument("--connectq-concurrency", type=int, default=64)
    p.add_argument("--sidekiq-concurrency", type=int, default=int(os.environ.get("PEERS_SIDEKIQ_CONCURRENCY", 10)))
    p.add_argument("--arq-max-jobs", type=int, default=int(os.environ.get("PEERS_ARQ_MAX_JOBS", 10)))
    p.add_argument("--arq-poll-delay", type=float, default=float(os.environ.get("PEERS_ARQ_POLL_DELAY", 0.01)))
    p.add_argument("--celery-pool", default=os.environ.get("PEERS_CELERY_POOL", "solo"))
    p.add_argument("--celery-threads", type=int, default=int(os.environ.get("PEERS_CELERY_THREADS", 8)))
    p.add_argument("--celery-prefetch", type=int, default=int(os.environ.get("PEERS_CELERY_PREFETCH", 1000)))
    p.add_argument("--celery-fair", type=int, default=int(os.environ.get("PEERS_CELERY_FAIR", 0)))
    p.add_argument("--dramatiq-threads", type=int, default=int(os.environ.get("PEERS_DRAMATIQ_THREADS", 8)))
    p.add_argument("--dramatiq-prefetch", type=int, default=int(os.environ.get("PEERS_DRAMATIQ_PREFETCH", 1000)))
    a = p.parse_args()
    a.url = "redis://127.0.0.1:%d/0" % a.port

    runner = Runner(a)
    # A SIGTERM (ops/bench/peers's trap, or its timeout) stops our workers before we go.
    def on_term(signum, frame):
        runner.procs.stop(grace=2)
        sys.exit(128 + signum)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)

    data = dict(n=a.n, sample_n=a.sample_n, machine=machine(runner.redis), versions=versions(a), systems={})
    print("machine: %(cores)d cores, %(cpu)s, Redis %(redis)s" % data["machine"], file=sys.stderr)
    print("redis-benchmark…", file=sys.stderr)
    wait_quiet(a.redis_pid, a.quiet_wait, a.quiet_share)
    try:
        data["redis_benchmark"] = redis_benchmark(a, runner.redis)
    except (subprocess.TimeoutExpired, OSError, BenchError) as e:
        data["redis_benchmark"] = dict(lpush=dict(error=str(e)))
    specs = system_specs(a)
    for name in a.systems.split(","):
        spec = specs[name]
        sysres = data["systems"][name] = dict(runs={}, config=spec["config"], enqueue_how=spec["enqueue_how"])
        missing = [x for x in spec["needs"] if not x or not os.path.exists(x) and not shutil.which(x)]
        if missing:
            sysres["error"] = "not installed (%s)" % (
                a.venv_error if name not in ("connectq", "sidekiq") and a.venv_error else
                a.no_sidekiq if name == "sidekiq" and a.no_sidekiq else ", ".join(str(m) for m in missing))
            print("%s: %s" % (name, sysres["error"]), file=sys.stderr)
            continue
        deadline = time.monotonic() + a.timeout
        try:
            for processes in (1, 2):
                for attempt in (1, 2):
                    # Waiting for a quiet machine does not count against the system's time.
                    waited = wait_quiet(a.redis_pid, a.quiet_wait, a.quiet_share)
                    deadline += waited
                    print("%s, %d worker process%s%s…" % (
                        name, processes, "es" if processes > 1 else "",
                        " (after %.0f s waiting for a quiet machine)" % waited if waited > 3 else ""), file=sys.stderr)
                    res = runner.run(name, spec, processes, a.n, deadline)
                    res["attempt"] = attempt
                    sysres["runs"][str(processes)] = res
                    print("  %.0f jobs/s, worker %.0f ms and Redis %.0f ms CPU per 1,000 jobs, %.1f calls/job; "
                          "%.0f %% of the machine went elsewhere meanwhile" % (
                              res["jobs_per_s"], res["worker_cpu_ms_per_1k"], res["redis_cpu_ms_per_1k"],
                              res["calls_per_job"], 100 * res["others_share"]), file=sys.stderr)
                    if res["others_share"] <= a.retry_share:
                        break
            if a.sample_n:
                print("%s, MONITOR sample of %d jobs…" % (name, a.sample_n), file=sys.stderr)
                sysres["monitor"] = runner.run(name, spec, 1, a.sample_n, deadline, monitor=True)["monitor"]
        except (BenchError, OSError, subprocess.SubprocessError) as e:
            sysres["error"] = str(e)[:300]
            print("%s: %s" % (name, sysres["error"]), file=sys.stderr)
        finally:
            runner.procs.stop()
            with open(a.json_out, "w") as f:
                json.dump(data, f, indent=1)

    head, rows, notes = report(data)
    tables = [(head, rows), second_table(data), commands_table(data)]
    shares = ["%s %s" % (name, " / ".join("%.0f %%" % (100 * r["others_share"]) for _, r in sorted(res["runs"].items())))
              for name, res in data["systems"].items() if res.get("runs")]
    if shares:
        notes.insert(0, "machine CPU not spent by the workers, redis-server or the controller during the timed "
                     "windows (other processes, interrupts), share of the machine, 1 / 2 proc: "
                     + ", ".join(shares))
    intro = ("%d no-op jobs per run, 1 and then 2 worker processes (1 / 2 in each cell); %d cores (%s); "
             "Redis %s; jobs/s from the first job to the last; CPU over the same window; Redis calls from "
             "INFO commandstats (calls made by scripts included), split into top-level calls and calls made by "
             "scripts in a further run of %d jobs, 1 process, under MONITOR." % (
                 a.n, data["machine"]["cores"], data["machine"]["cpu"], data["machine"]["redis"], a.sample_n))
    print(intro + "\n")
    print("\n\n".join(plain(h, r) for h, r in tables))
    if notes:
        print("\n" + "\n".join("- " + n for n in notes))
    with open(a.md_out, "w") as f:
        f.write(intro + "\n\n" + "\n\n".join(markdown(h, r) for h, r in tables) + "\n")
        if notes:
            f.write("\n" + "\n".join("- " + n.replace("|", "\\|") for n in notes) + "\n")
    with open(a.json_out, "w") as f:
        json.dump(data, f, indent=1)


if __name__ == "__main__":
    main()

"""The no-op job body shared by the Python peers.

Each call records, for its worker process, when that process ran its first job and its
latest one and how many it has run: one pwrite(2) of one line at offset 0 of
$PEERS_TS_DIR/<pid> (a few microseconds, no Redis call, so the job adds nothing to the
Redis figures). run.py sums the counts to see when all N are done and takes
min(first) .. max(last) over the files as the processing span.
"""
import os
import threading
import time

_lock = threading.Lock()
_pid = None
_fd = -1
_first = 0.0
_count = 0


def mark():
    global _pid, _fd, _first, _count
    with _lock:  # threads (Dramatiq, Celery threads) share one file per process
        now = time.time()
        pid = os.getpid()
        if pid != _pid:  # first job in this process (or in a child forked after one)
            _pid, _first, _count = pid, now, 0
            _fd = os.open(os.path.join(os.environ["PEERS_TS_DIR"], str(pid)),
                          os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        _count += 1
        # The line only ever grows (fixed-width times, a count that only rises): no stale tail.
        os.pwrite(_fd, b"%.6f %.6f %d\n" % (_first, now, _count), 0)

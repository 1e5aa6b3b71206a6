"""Celery side of ops/bench/peers: Redis broker, no result backend.
Worker: `celery -A peer_celery worker ...` (options in run.py)."""
import os

from celery import Celery

from mark import mark

app = Celery("peer_celery", broker=os.environ.get("PEERS_REDIS_URL", "redis://127.0.0.1:6379/0"))
app.conf.update(
    task_default_queue=os.environ.get("PEERS_QUEUE", "celery"),
    task_ignore_result=True,               # no result backend, nothing stored per job
    worker_prefetch_multiplier=int(os.environ.get("PEERS_CELERY_PREFETCH", "1000")),
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)


@app.task(name="noop", ignore_result=True)
def noop():
    mark()


def enqueue(url, queue, n):
    """No bulk API: apply_async in a loop on one producer (one connection)."""
    with app.producer_or_acquire() as producer:
        for _ in range(n):
            noop.apply_async(producer=producer, queue=queue)

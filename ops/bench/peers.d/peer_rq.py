"""RQ side of ops/bench/peers. Worker: `rq worker -w rq.worker.SimpleWorker` (see run.py)."""
import os

from redis import Redis
from rq import Queue

from mark import mark


def noop():
    mark()


def enqueue(url, queue, n):
    """Queue.enqueue_many in pipelines of 1,000 jobs; result_ttl=0: no result kept."""
    redis = Redis.from_url(url)
    q = Queue(queue, connection=redis)
    for start in range(0, n, 1000):
        jobs = [Queue.prepare_data(noop, result_ttl=0) for _ in range(min(1000, n - start))]
        with redis.pipeline() as pipe:
            q.enqueue_many(jobs, pipeline=pipe)
            pipe.execute()

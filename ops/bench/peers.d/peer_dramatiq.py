"""Dramatiq side of ops/bench/peers: Redis broker.
Worker: `dramatiq peer_dramatiq --processes P --threads T` (options in run.py)."""
import os

import dramatiq
from dramatiq.brokers.redis import RedisBroker

from mark import mark

QUEUE = os.environ.get("PEERS_QUEUE", "default")
broker = RedisBroker(url=os.environ.get("PEERS_REDIS_URL", "redis://127.0.0.1:6379/0"))
dramatiq.set_broker(broker)


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def noop():
    mark()


def enqueue(url, queue, n):
    """No bulk API: send() in a loop (one call of the broker's dispatch script each)."""
    for _ in range(n):
        noop.send()

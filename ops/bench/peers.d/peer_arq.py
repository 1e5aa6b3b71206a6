"""arq side of ops/bench/peers. Worker: `python worker.py arq` runs arq.worker.run_worker."""
import asyncio
import os

from arq import create_pool
from arq.connections import RedisSettings

from mark import mark


async def noop(ctx):
    mark()


class WorkerSettings:
    functions = [noop]
    redis_settings = RedisSettings.from_dsn(os.environ.get("PEERS_REDIS_URL", "redis://127.0.0.1:6379/0"))
    queue_name = os.environ.get("PEERS_QUEUE", "arq:queue")
    # Tiny jobs: a short poll delay (with the default 0.5 s between two reads of the queue a
    # worker runs at most queue_read_limit, 100, jobs per 0.5 s). max_jobs from 10 (the
    # default) to 500 made no difference here.
    max_jobs = int(os.environ.get("PEERS_ARQ_MAX_JOBS", "10"))
    poll_delay = float(os.environ.get("PEERS_ARQ_POLL_DELAY", "0.01"))
    keep_result = 0  # no result kept (as for the other peers)
    log_results = False


def enqueue(url, queue, n):
    """arq has no bulk enqueue: enqueue_job (a WATCH/MULTI/EXEC transaction each), 500 at once."""
    async def main():
        pool = await create_pool(RedisSettings.from_dsn(url), default_queue_name=queue)
        for start in range(0, n, 500):
            await asyncio.gather(*(pool.enqueue_job("noop") for _ in range(min(500, n - start))))
        await pool.aclose()
    asyncio.run(main())


def work():
    from arq.worker import run_worker
    run_worker(WorkerSettings)  # no logging set up: arq's per-job INFO lines are not emitted

"""python enqueue.py SYSTEM URL QUEUE N: N no-op jobs through peer_SYSTEM.enqueue."""
import importlib
import sys

system, url, queue, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
importlib.import_module("peer_" + system).enqueue(url, queue, n)

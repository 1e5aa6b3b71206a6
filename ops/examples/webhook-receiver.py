#!/usr/bin/env python3
"""A webhook receiver that verifies connectq's signatures with the reference
`standardwebhooks` package (PyPI), not with connectq's code.

    python webhook-receiver.py --port 8099 --secret whsec_... [--secret whsec_old...] \
        [--out deliveries.jsonl] [--status-file behaviour.txt]

Each POST whose signature verifies with at least one --secret is answered 204 and appended
to --out as one JSON line: {"webhookId", "timestamp", "verifiedWith": [indexes of the
secrets that verified], "concurrent": requests being answered when it came, "body": the
parsed body}. A bad or missing signature gets 401 and is
not recorded. --status-file, read on every request, changes the answer at runtime (for
tests): a status ("500", "410"), optionally a delay in seconds ("200 12") and the size of a
body to answer with ("200 0 10000"); a missing or empty file means 204 at once. A request answered with anything but 2xx is not recorded.
Install: python3 -m venv v && v/bin/pip install standardwebhooks (ops/lib/python-venv.sh).
"""
import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook

parser = argparse.ArgumentParser()
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--secret", action="append", required=True)
parser.add_argument("--out", default="deliveries.jsonl")
parser.add_argument("--status-file")
args = parser.parse_args()
hooks = [Webhook(secret) for secret in args.secret]
lock = threading.Lock()
in_flight = [0]


def behaviour():
    if not args.status_file or not os.path.exists(args.status_file):
        return 204, 0.0, 0
    parts = open(args.status_file).read().split()
    if not parts:
        return 204, 0.0, 0
    return int(parts[0]), float(parts[1]) if len(parts) > 1 else 0.0, int(parts[2]) if len(parts) > 2 else 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        with lock:
            in_flight[0] += 1
            concurrent = in_flight[0]
        try:
            status = self.receive(concurrent)
        finally:
            # Before answering: once the client has its answer it may send the next request.
            with lock:
                in_flight[0] -= 1
        self.answer(status)

    def receive(self, concurrent):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {name.lower(): value for name, value in self.headers.items()}
        verified = []
        for index, hook in enumerate(hooks):
            try:
                hook.verify(body, headers)
                verified.append(index)
            except Exception:
                pass
        self.answer_bytes = 0
        if not verified:
            return 401
        status, delay, self.answer_bytes = behaviour()
        if delay:
            time.sleep(delay)
        if 200 <= status < 300:
            line = json.dumps({"webhookId": headers.get("webhook-id"), "timestamp": headers.get("webhook-timestamp"),
                               "verifiedWith": verified, "concurrent": concurrent, "body": json.loads(body)})
            with lock, open(args.out, "a") as out:
                out.write(line + "\n")
        return status

    def answer(self, status):
        body = b"x" * getattr(self, "answer_bytes", 0)
        self.send_response(status)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_):
        pass


ThreadingHTTPServer.allow_reuse_address = True
ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer((args.host, args.port), Handler).serve_forever()

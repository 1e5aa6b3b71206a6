"""The Jira receiver example: its signature check agrees with the Standard Webhooks reference,
and one signed event becomes a comment and a transition on a (fake, loopback) Jira.

    python3 -m unittest discover -s ops/examples -p 'test_*.py'
Standard library only; when the `standardwebhooks` package happens to be importable, the
verifier is also compared with it on the same requests.
"""

from __future__ import annotations

import base64
import http.client
import importlib.util
import json
import os
import queue
import subprocess
import sys
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPEC = importlib.util.spec_from_file_location("jira_receiver", HERE / "jira-receiver.py")
receiver = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(receiver)

# A fixed vector from the reference library's own tests (libraries/python/tests/test_webhooks.py,
# test_sign_function), shared by its Go, JavaScript, Java, C# and PHP tests.
REFERENCE_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
REFERENCE_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
REFERENCE_TIMESTAMP = 1614265330
REFERENCE_BODY = b'{"test": 2432232314}'
REFERENCE_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()
OTHER_SECRET = "whsec_" + base64.b64encode(bytes(range(100, 132))).decode()


def signed_headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict:
    key = receiver.secret_bytes(secret)
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": receiver.sign(key, msg_id, timestamp, body)}


def event(kind: str, ticket: str, final: bool = True, **data) -> bytes:
    body = {"type": kind, "timestamp": "2026-12-08T01:00:00.000Z",
            "data": {"id": "job-1", "type": "create-pop", "attempt": "1", "queue": "prov", "event": kind[4:],
                     "streamId": "1765155600000-0", "meta": {"ticket": ticket, "final": final}, **data}}
    return json.dumps(body, separators=(",", ":")).encode()


class SignatureTests(unittest.TestCase):
    def verifier(self, secret=SECRET, now=1_765_155_600.0):
        return receiver.Verifier([secret], clock=lambda: now)

    def test_reference_vector(self):
        key = receiver.secret_bytes(REFERENCE_SECRET)
        self.assertEqual(receiver.sign(key, REFERENCE_ID, REFERENCE_TIMESTAMP, REFERENCE_BODY), REFERENCE_SIGNATURE)
        verifier = self.verifier(REFERENCE_SECRET, now=REFERENCE_TIMESTAMP + 10)
        headers = {"webhook-id": REFERENCE_ID, "webhook-timestamp": str(REFERENCE_TIMESTAMP),
                   "webhook-signature": REFERENCE_SIGNATURE}
        self.assertEqual(verifier.verify(headers, REFERENCE_BODY), {"test": 2432232314})

    def test_secret_without_prefix_is_the_same_key(self):
        self.assertEqual(receiver.secret_bytes(REFERENCE_SECRET), receiver.secret_bytes(REFERENCE_SECRET[len("whsec_"):]))
        for empty in ("", "whsec_"):
            with self.assertRaises(ValueError):
                receiver.secret_bytes(empty)

    def test_accepts_a_good_request(self):
        body = event("job.completed", "OPS-42")
        payload = self.verifier().verify(signed_headers(SECRET, "1765155600000-0", 1_765_155_590, body), body)
        self.assertEqual(payload["data"]["meta"]["ticket"], "OPS-42")

    def test_header_names_in_any_case(self):
        body = event("job.completed", "OPS-42")
        headers = {k.title(): v for k, v in signed_headers(SECRET, "m1", 1_765_155_600, body).items()}
        self.verifier().verify(headers, body)

    def test_refuses_a_bad_signature(self):
        body = event("job.completed", "OPS-42")
        verifier = self.verifier()
        forged = signed_headers(OTHER_SECRET, "m1", 1_765_155_600, body)
        with self.assertRaisesRegex(receiver.VerificationError, "no valid v1 signature"):
            verifier.verify(forged, body)
        tampered = signed_headers(SECRET, "m2", 1_765_155_600, body)
        with self.assertRaisesRegex(receiver.VerificationError, "no valid v1 signature"):
            verifier.verify(tampered, body.replace(b"OPS-42", b"OPS-43"))
        moved = signed_headers(SECRET, "m3", 1_765_155_600, body)
        moved["webhook-id"] = "m4"  # the id is signed too
        with self.assertRaises(receiver.VerificationError):
            verifier.verify(moved, body)
        for garbage in ("", "v1", "v1,", "v1,!!!", "v2," + moved["webhook-signature"][3:], "v1a,AAAA"):
            headers = signed_headers(SECRET, "m5", 1_765_155_600, body)
            headers["webhook-signature"] = garbage
            with self.assertRaises(receiver.VerificationError):
                verifier.verify(headers, body)

    def test_refuses_an_old_or_future_timestamp(self):
        body = event("job.completed", "OPS-42")
        verifier = self.verifier(now=1_765_155_600.0)
        with self.assertRaisesRegex(receiver.VerificationError, "too old"):
            verifier.verify(signed_headers(SECRET, "m1", 1_765_155_600 - 301, body), body)
        with self.assertRaisesRegex(receiver.VerificationError, "too new"):
            verifier.verify(signed_headers(SECRET, "m2", 1_765_155_600 + 301, body), body)
        verifier.verify(signed_headers(SECRET, "m3", 1_765_155_600 - 299, body), body)
        headers = signed_headers(SECRET, "m4", 1_765_155_600, body)
        headers["webhook-timestamp"] = "soon"
        with self.assertRaisesRegex(receiver.VerificationError, "not a number"):
            verifier.verify(headers, body)

    def test_refuses_a_replayed_id_until_forgotten(self):
        body = event("job.completed", "OPS-42")
        verifier = self.verifier()
        verifier.verify(signed_headers(SECRET, "1765155600000-0", 1_765_155_600, body), body)
        # A retry carries the same webhook-id with a fresh timestamp and signature.
        retry = signed_headers(SECRET, "1765155600000-0", 1_765_155_610, body)
        with self.assertRaises(receiver.Replayed):
            verifier.verify(retry, body)
        verifier.forget("1765155600000-0")
        verifier.verify(retry, body)

    def test_missing_headers(self):
        body = event("job.completed", "OPS-42")
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
            headers = signed_headers(SECRET, "m1", 1_765_155_600, body)
            del headers[name]
            with self.assertRaisesRegex(receiver.VerificationError, "missing"):
                self.verifier().verify(headers, body)

    def test_rotation_sends_two_signatures(self):
        body = event("job.completed", "OPS-42")
        old = signed_headers(OTHER_SECRET, "m1", 1_765_155_600, body)["webhook-signature"]
        new = signed_headers(SECRET, "m1", 1_765_155_600, body)["webhook-signature"]
        headers = {"webhook-id": "m1", "webhook-timestamp": "1765155600", "webhook-signature": f"{old} {new}"}
        self.verifier().verify(headers, body)

    @unittest.skipUnless(importlib.util.find_spec("standardwebhooks"), "standardwebhooks not installed")
    def test_agrees_with_the_reference_package(self):
        from standardwebhooks.webhooks import Webhook, WebhookVerificationError
        now = int(time.time())
        body = event("job.failed", "OPS-7", error={"code": "invalid", "message": "é ✓"})
        for secret, timestamp in ((SECRET, now), (OTHER_SECRET, now), (SECRET, now - 400)):
            headers = signed_headers(SECRET, f"id-{secret[-4:]}-{timestamp}", timestamp, body)
            try:
                Webhook(secret).verify(body, headers)
                reference_ok = True
            except WebhookVerificationError:
                reference_ok = False
            try:
                receiver.Verifier([secret]).verify(headers, body)
                ours_ok = True
            except receiver.VerificationError:
                ours_ok = False
            self.assertEqual(ours_ok, reference_ok, (secret, timestamp))


class FakeJira(ThreadingHTTPServer):
    """Jira Cloud's comment and transition endpoints, recording every call."""

    def __init__(self):
        self.calls: list[tuple[str, str, str | None, object]] = []
        self.transition_failures = 0  # how many transitions to answer 503 first
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.calls.append(("GET", self.path, self.headers.get("Authorization"), None))
                if self.path.endswith("/transitions"):
                    return self._json(200, {"transitions": [{"id": "21", "name": "In Progress"}, {"id": "31", "name": "Done"}]})
                self._json(404, {"errorMessages": ["not found"]})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.calls.append(("POST", self.path, self.headers.get("Authorization"), body))
                if self.path.endswith("/comment"):
                    return self._json(201, {"id": "10001"})
                if self.path.endswith("/transitions") and outer.transition_failures > 0:
                    outer.transition_failures -= 1
                    return self._json(503, {"errorMessages": ["unavailable"]})
                if self.path.endswith("/transitions"):
                    self.send_response(204)
                    self.end_headers()
                    return
                self._json(404, {"errorMessages": ["not found"]})

            def _json(self, status, answer):
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class ReceiverProcess:
    """jira-receiver.py on a free loopback port, its standard output read line by line."""

    def __init__(self, jira_url: str, *args: str):
        env = {**os.environ, "CONNECTQ_WEBHOOK_SECRET": SECRET, "JIRA_BASE_URL": jira_url,
               "JIRA_EMAIL": "bot@example.com", "JIRA_API_TOKEN": "atlassian-token",
               "JIRA_DONE_TRANSITION": "done"}
        self.process = subprocess.Popen([sys.executable, str(HERE / "jira-receiver.py"), "--port", "0", *args],
                                        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        first = self.next_line()
        assert first.startswith("listening on http://127.0.0.1:"), first
        self.port = int(first.rsplit(":", 1)[1])

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def next_line(self) -> str:
        # A safety net against a hang, not a timing assertion: the line is written before the
        # answer it goes with is sent.
        return self.lines.get(timeout=60)

    def post(self, headers: dict, body: bytes) -> tuple[int, dict]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request("POST", "/", body=body, headers={"Content-Type": "application/json", **headers})
            response = connection.getresponse()
            return response.status, json.loads(response.read())
        finally:
            connection.close()

    def stop(self) -> str:
        """Stops it (again: no-op) and gives what it logged."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)
            self.logged = self.process.stderr.read()
            self.process.stdout.close()
            self.process.stderr.close()
        return self.logged


class EndToEndTests(unittest.TestCase):
    def setUp(self):
        self.jira = FakeJira()
        self.addCleanup(self.jira.server_close)
        self.addCleanup(self.jira.shutdown)

    def start(self, *args) -> ReceiverProcess:
        process = ReceiverProcess(self.jira.url, *args)
        self.addCleanup(process.stop)
        return process

    def test_a_completed_event_comments_and_transitions(self):
        process = self.start()
        body = event("job.completed", "OPS-42", result={"serviceName": "svc", "popId": 7})
        status, answer = process.post(signed_headers(SECRET, "1765155600000-0", int(time.time()), body), body)
        self.assertEqual((status, answer["status"]), (200, "handled"))
        auth = "Basic " + base64.b64encode(b"bot@example.com:atlassian-token").decode()
        methods_paths = [(method, path) for method, path, _, _ in self.jira.calls]
        self.assertEqual(methods_paths, [("POST", "/rest/api/3/issue/OPS-42/comment"),
                                         ("GET", "/rest/api/3/issue/OPS-42/transitions"),
                                         ("POST", "/rest/api/3/issue/OPS-42/transitions")])
        self.assertTrue(all(call[2] == auth for call in self.jira.calls))
        comment = self.jira.calls[0][3]["body"]
        self.assertEqual((comment["type"], comment["version"]), ("doc", 1))
        text = " ".join(node["text"] for paragraph in comment["content"] for node in paragraph["content"])
        self.assertIn("job-1", text)
        self.assertIn('"popId": 7', text)
        self.assertEqual(self.jira.calls[2][3], {"transition": {"id": "31"}})

        # The same event delivered again (its 2xx lost): answered 200, not acted on twice.
        again = signed_headers(SECRET, "1765155600000-0", int(time.time()), body)
        self.assertEqual(process.post(again, body)[1]["status"], "duplicate")
        # Not signed by the subscription's secret: refused, nothing called.
        forged = signed_headers(OTHER_SECRET, "1765155600001-0", int(time.time()), body)
        self.assertEqual(process.post(forged, body)[0], 401)
        self.assertEqual(len(self.jira.calls), 3)

        logged = process.stop()
        self.assertIn("OPS-42", logged)
        for secret in ("atlassian-token", SECRET, SECRET[len("whsec_"):], auth):
            self.assertNotIn(secret, logged)

    def test_a_step_that_is_not_final_only_comments(self):
        process = self.start()
        body = event("job.completed", "OPS-42", final=False)
        self.assertEqual(process.post(signed_headers(SECRET, "s1", int(time.time()), body), body)[0], 200)
        self.assertEqual([(m, p) for m, p, _, _ in self.jira.calls], [("POST", "/rest/api/3/issue/OPS-42/comment")])

    def test_jira_down_then_back_comments_once(self):
        process = self.start()
        self.jira.transition_failures = 1
        body = event("job.completed", "OPS-42")
        first = process.post(signed_headers(SECRET, "j1", int(time.time()), body), body)
        self.assertEqual(first[0], 502)  # connectq delivers it again later
        again = process.post(signed_headers(SECRET, "j1", int(time.time()), body), body)
        self.assertEqual((again[0], again[1]["status"]), (200, "handled"))
        posts = [path for method, path, _, _ in self.jira.calls if method == "POST"]
        self.assertEqual(posts, ["/rest/api/3/issue/OPS-42/comment", "/rest/api/3/issue/OPS-42/transitions",
                                 "/rest/api/3/issue/OPS-42/transitions"])

    def test_dry_run_prints_the_calls_and_makes_none(self):
        process = self.start("--dry-run")
        body = event("job.completed", "OPS-42")
        status, answer = process.post(signed_headers(SECRET, "d1", int(time.time()), body), body)
        self.assertEqual((status, answer["status"]), (200, "handled"))
        comment = process.next_line()
        self.assertTrue(comment.startswith(f"POST {self.jira.url}/rest/api/3/issue/OPS-42/comment {{"), comment)
        self.assertIn(f"GET {self.jira.url}/rest/api/3/issue/OPS-42/transitions", process.next_line())
        self.assertTrue(process.next_line().startswith(f"POST {self.jira.url}/rest/api/3/issue/OPS-42/transitions "))
        self.assertEqual(self.jira.calls, [])
        self.assertNotIn("atlassian-token", comment)


if __name__ == "__main__":
    unittest.main()

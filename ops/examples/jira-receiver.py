#!/usr/bin/env python3
"""Receives connectq's signed webhooks and closes the Jira issue each job was ordered by.

Standard library only (Python 3.11+), so it runs where pip cannot. It checks every request
the way the Standard Webhooks reference library does (see `Verifier`), then, for an event
whose `data.meta.ticket` names a Jira issue:
  - `job.completed`: adds a comment with the result; when `data.meta.final` is true (the job
    that finishes the order: the last of a `then` chain, or the only job), transitions the
    issue with JIRA_DONE_TRANSITION;
  - `job.failed`: adds a comment with the error; transitions with JIRA_FAILED_TRANSITION
    when that is set.

Environment:
  CONNECTQ_WEBHOOK_SECRET  the subscription's `whsec_…` secret (several, space-separated,
                           while rotating)
  JIRA_BASE_URL            https://your-site.atlassian.net
  JIRA_EMAIL, JIRA_API_TOKEN   an Atlassian account and its API token (Basic auth)
  JIRA_DONE_TRANSITION     a transition name ("Done", any case) or id ("31")
  JIRA_FAILED_TRANSITION   optional, the same for failures
  JIRA_COMMENT_INTERNAL    optional, "1": Jira Service Management internal comments

Answers: 200 when handled or ignored (no ticket, an event kind it does not act on, a
webhook-id already handled); 401 when the request is not signed by the secret or is
outside the 5-minute window; 400/413 for a malformed request; 502 when Jira refused or
was unreachable, so connectq delivers the event again later with the same webhook-id.

  jira-receiver.py [--host 127.0.0.1] [--port 8098] [--dry-run]
--dry-run prints the Jira calls it would make and makes none. --port 0 takes a free port;
the first line on standard output is always `listening on http://HOST:PORT`.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import hmac
import json
import math
import os
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET_PREFIX = "whsec_"
TOLERANCE_SECONDS = 5 * 60
MAX_BODY_BYTES = 1024 * 1024
# A delivery is retried with the same webhook-id for at least 24 h: remember handled ids
# for longer than that, so a retry whose first 2xx was lost is not acted on twice.
DEDUPE_SECONDS = 48 * 3600
DEDUPE_MAX_IDS = 100_000
JIRA_KEY = re.compile(r"^[A-Z][A-Z0-9_]{0,254}-[1-9][0-9]{0,17}$")


class VerificationError(Exception):
    """The request does not prove it comes from connectq (answer 401)."""


class Replayed(VerificationError):
    """A webhook-id already accepted: a retry or a replay, not to be acted on again."""


def secret_bytes(secret: str) -> bytes:
    """The HMAC key: the base64 after `whsec_` (the reference also takes it without the prefix)."""
    text = secret.strip()
    if text.startswith(SECRET_PREFIX):
        text = text[len(SECRET_PREFIX):]
    try:
        # "==" as the reference does: unpadded base64 decodes, surplus padding is ignored.
        key = base64.b64decode(text + "==")
    except (binascii.Error, ValueError) as error:
        raise ValueError(f"webhook secret: not base64 after {SECRET_PREFIX!r} ({error})") from None
    if not key:
        raise ValueError("webhook secret: empty")
    return key


def sign(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>`, the Standard Webhooks v1 signature."""
    content = msg_id.encode() + b"." + str(timestamp).encode() + b"." + body
    return "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


class Verifier:
    """Checks the three Standard Webhooks headers like the reference `standardwebhooks.Webhook`,
    and refuses a webhook-id it already accepted (remembered in memory until `forget`)."""

    def __init__(self, secrets: list[str], tolerance: int = TOLERANCE_SECONDS, clock=time.time):
        if not secrets:
            raise ValueError("webhook secret: none given")
        self.keys = [secret_bytes(s) for s in secrets]
        self.tolerance = tolerance
        self.clock = clock
        self.seen: OrderedDict[str, float] = OrderedDict()
        self.lock = threading.Lock()

    def verify(self, headers, body: bytes) -> dict:
        """The parsed body when the request is genuine, fresh and new; raises VerificationError."""
        lowered = {k.lower(): v for k, v in headers.items()}
        msg_id = lowered.get("webhook-id")
        msg_timestamp = lowered.get("webhook-timestamp")
        msg_signature = lowered.get("webhook-signature")
        if not (msg_id and msg_timestamp and msg_signature):
            raise VerificationError("missing webhook-id, webhook-timestamp or webhook-signature")
        try:
            timestamp = float(msg_timestamp)
        except ValueError:
            raise VerificationError("webhook-timestamp is not a number") from None
        if not math.isfinite(timestamp):
            raise VerificationError("webhook-timestamp is not a number")
        now = self.clock()
        if timestamp < now - self.tolerance:
            raise VerificationError("webhook-timestamp too old (more than 5 minutes)")
        if timestamp > now + self.tolerance:
            raise VerificationError("webhook-timestamp too new (more than 5 minutes ahead)")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise VerificationError("body is not UTF-8") from None
        # The reference signs the whole seconds of the parsed timestamp.
        expected = [base64.b64decode(sign(key, msg_id, math.floor(timestamp), body)[3:]) for key in self.keys]
        if not any(self._matches(candidate, expected) for candidate in msg_signature.split(" ")):
            raise VerificationError("no valid v1 signature for this secret")
        try:
            payload = json.loads(text)
        except ValueError:
            raise VerificationError("body is not JSON") from None
        self._claim(msg_id, now)
        return payload

    @staticmethod
    def _matches(candidate: str, expected: list[bytes]) -> bool:
        version, _, signature = candidate.partition(",")
        if version != "v1" or not signature:
            return False  # v1a (asymmetric) and unknown versions are not ours to check
        try:
            given = base64.b64decode(signature)  # not validating, like the reference
        except (binascii.Error, ValueError):
            return False
        matched = False
        for digest in expected:  # every key compared, in constant time, whatever matched
            matched |= hmac.compare_digest(digest, given)
        return matched

    def _claim(self, msg_id: str, now: float) -> None:
        with self.lock:
            while self.seen and (len(self.seen) >= DEDUPE_MAX_IDS or next(iter(self.seen.values())) < now - DEDUPE_SECONDS):
                self.seen.popitem(last=False)
            if msg_id in self.seen:
                raise Replayed(f"webhook-id {msg_id} already handled")
            self.seen[msg_id] = now

    def forget(self, msg_id: str) -> None:
        """Acting on the event failed: its next delivery must be acted on."""
        with self.lock:
            self.seen.pop(msg_id, None)


class JiraError(Exception):
    pass


class Jira:
    """The two Jira Cloud REST v3 calls a ticket needs, authenticated with an API token."""

    def __init__(self, base_url: str, email: str, token: str, dry_run: bool, internal_comments: bool, out=sys.stdout):
        self.base_url = base_url.rstrip("/")
        self.auth = "Basic " + base64.b64encode(f"{email}:{token}".encode()).decode()
        self.dry_run = dry_run
        self.internal_comments = internal_comments
        self.out = out
        self.out_lock = threading.Lock()

    def comment(self, key: str, text: str) -> None:
        body: dict = {"body": {"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": line}]} for line in text.split("\n") if line]}}
        if self.internal_comments:
            body["properties"] = [{"key": "sd.public.comment", "value": {"internal": True}}]
        self._call("POST", f"/rest/api/3/issue/{quote(key)}/comment", body)

    def transition(self, key: str, name_or_id: str) -> None:
        path = f"/rest/api/3/issue/{quote(key)}/transitions"
        if name_or_id.isdigit():
            transition_id = name_or_id
        elif self.dry_run:
            self._print(f"GET {self.base_url}{path} (to find the transition named {name_or_id!r})")
            transition_id = f"<id of {name_or_id!r}>"
        else:
            available = self._call("GET", path, None).get("transitions", [])
            matches = [t["id"] for t in available if str(t.get("name", "")).casefold() == name_or_id.casefold()]
            if not matches:
                names = ", ".join(repr(t.get("name")) for t in available) or "none"
                # Most often the issue already moved on (a redelivery after a restart): nothing to do.
                log(f"{key}: no transition named {name_or_id!r} from its current status (available: {names}); left as is")
                return
            transition_id = matches[0]
        self._call("POST", path, {"transition": {"id": transition_id}})

    def _call(self, method: str, path: str, body: dict | None) -> dict:
        url = self.base_url + path
        if self.dry_run:
            self._print(f"{method} {url} {json.dumps(body, separators=(',', ':'))}" if body is not None else f"{method} {url}")
            return {}
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Authorization": self.auth, "Accept": "application/json",
            **({"Content-Type": "application/json"} if data is not None else {})})
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            detail = error.read(500).decode("utf-8", "replace")
            raise JiraError(f"{method} {path}: HTTP {error.code} {detail}") from None
        except (urllib.error.URLError, OSError) as error:
            raise JiraError(f"{method} {path}: {error}") from None
        try:
            return json.loads(raw) if raw.strip() else {}
        except ValueError:
            return {}  # a 2xx is what counts; only the transitions list is read

    def _print(self, line: str) -> None:
        with self.out_lock:
            print(line, file=self.out, flush=True)


def quote(key: str) -> str:
    return urllib.parse.quote(key, safe="")


def log(message: str) -> None:
    print(f"jira-receiver: {message}", file=sys.stderr, flush=True)


def describe(event: dict) -> tuple[str, str, bool, bool] | None:
    """(ticket, comment text, closes the ticket, failed) for an event to act on, else None."""
    kind = event.get("type")
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
    ticket = meta.get("ticket")
    if kind not in ("job.completed", "job.failed") or not isinstance(ticket, str):
        return None
    if not JIRA_KEY.match(ticket):
        raise ValueError(f"data.meta.ticket {ticket!r} is not a Jira issue key (like OPS-42)")
    job = f"connectq job {data.get('id', '?')} ({data.get('type', '?')}, queue {data.get('queue', '?')})"
    if kind == "job.completed":
        result = json.dumps(data.get("result", {}), separators=(", ", ": "), sort_keys=True)
        final = meta.get("final") in (True, "true")
        text = f"{job} completed on attempt {data.get('attempt', '?')}.\nResult: {result}"
        if final:
            text += "\nThe order is complete."
        return ticket, text, final, False
    error = data.get("error") if isinstance(data.get("error"), dict) else {}
    text = f"{job} failed on attempt {data.get('attempt', '?')}: {error.get('code', '?')}: {error.get('message', '')}"
    if error.get("field"):
        text += f"\nField: {error['field']}"
    if error.get("ovhQueryId"):
        text += f"\nOVH query id: {error['ovhQueryId']}"
    return ticket, text, False, True


class Receiver:
    def __init__(self, verifier: Verifier, jira: Jira, done_transition: str, failed_transition: str | None):
        self.verifier = verifier
        self.jira = jira
        self.done_transition = done_transition
        self.failed_transition = failed_transition
        # Events whose comment was made but whose transition failed: their redelivery only
        # transitions, so the issue does not get the comment twice.
        self.commented: OrderedDict[str, None] = OrderedDict()
        self.commented_lock = threading.Lock()

    def handle(self, headers, body: bytes) -> tuple[int, dict]:
        try:
            event = self.verifier.verify(headers, body)
        except Replayed as replay:
            return 200, {"status": "duplicate", "detail": str(replay)}
        except VerificationError as refusal:
            log(f"refused: {refusal}")
            return 401, {"error": str(refusal)}
        msg_id = {k.lower(): v for k, v in headers.items()}["webhook-id"]
        try:
            action = describe(event if isinstance(event, dict) else {})
        except ValueError as bad:
            log(f"{msg_id}: ignored: {bad}")
            return 200, {"status": "ignored", "detail": str(bad)}
        if action is None:
            return 200, {"status": "ignored", "detail": "not a terminal event of a job with data.meta.ticket"}
        ticket, text, closes, failed = action
        transition = self.done_transition if closes else (self.failed_transition if failed else None)
        try:
            with self.commented_lock:
                already_commented = msg_id in self.commented
            if not already_commented:
                self.jira.comment(ticket, text)
                with self.commented_lock:
                    self.commented[msg_id] = None
                    while len(self.commented) > 10_000:
                        self.commented.popitem(last=False)
            if transition:
                self.jira.transition(ticket, transition)
        except JiraError as error:
            self.verifier.forget(msg_id)
            log(f"{msg_id} {event.get('type')} {ticket}: Jira refused: {error}")
            return 502, {"error": f"Jira: {error}"}
        except Exception as error:  # anything unforeseen: connectq delivers the event again
            self.verifier.forget(msg_id)
            log(f"{msg_id} {event.get('type')} {ticket}: {type(error).__name__}: {error}")
            return 500, {"error": "internal error"}
        with self.commented_lock:
            self.commented.pop(msg_id, None)
        log(f"{msg_id} {event.get('type')} {ticket}: commented" + (f", transitioned ({transition})" if transition else ""))
        return 200, {"status": "handled", "ticket": ticket}


def make_handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        server_version = "connectq-jira-receiver"

        def do_POST(self):
            length = self.headers.get("Content-Length")
            if length is None or not length.isdigit():
                return self._answer(411 if length is None else 400, {"error": "Content-Length required"})
            if int(length) > MAX_BODY_BYTES:
                return self._answer(413, {"error": f"body over {MAX_BODY_BYTES} bytes"})
            body = self.rfile.read(int(length))
            status, answer = receiver.handle(dict(self.headers.items()), body)
            self._answer(status, answer)

        def _answer(self, status: int, answer: dict):
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format, *args):
            pass  # one line per event from Receiver.handle instead

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8098)
    parser.add_argument("--dry-run", action="store_true", help="print the Jira calls instead of making them")
    args = parser.parse_args(argv)

    env = os.environ
    missing = [name for name in ("CONNECTQ_WEBHOOK_SECRET", "JIRA_DONE_TRANSITION") if not env.get(name)]
    if not args.dry_run:
        missing += [name for name in ("JIRA_BASE_URL", "JIRA_EMAIL", "JIRA_API_TOKEN") if not env.get(name)]
    if missing:
        parser.error("set " + ", ".join(missing))
    try:
        verifier = Verifier(env["CONNECTQ_WEBHOOK_SECRET"].split())
    except ValueError as error:
        parser.error(str(error))  # names the rule, never echoes the secret
    jira = Jira(env.get("JIRA_BASE_URL", "https://your-site.atlassian.net"), env.get("JIRA_EMAIL", ""),
                env.get("JIRA_API_TOKEN", ""), args.dry_run, env.get("JIRA_COMMENT_INTERNAL") == "1")
    receiver = Receiver(verifier, jira, env["JIRA_DONE_TRANSITION"], env.get("JIRA_FAILED_TRANSITION") or None)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(receiver))
    print(f"listening on http://{args.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Failed logins slow down, per login name and per client address, before Gradio's /login route runs.

A few mistakes are free; after that each further failure doubles the wait before the next try (up to five
minutes), and a try inside the wait is refused with 429 and Retry-After, the right password included, so
a script cannot guess at full speed. A success clears its name's and its address's count. Counts live in
memory: a restart forgets them, which costs a guesser a restart of somebody else's studio.
"""
from __future__ import annotations

import logging
import threading
import time
from urllib.parse import parse_qs

from starlette.responses import PlainTextResponse

log = logging.getLogger(__name__)
LOGIN_PATHS = ("/login", "/login/")
FREE_FAILURES = {"user": 5, "address": 20}  # an address may be a proxy that many people share
MAX_WAIT_S = 300.0
FORGET_AFTER_S = 900.0  # a count with no new failure this long starts again from zero
MAX_BODY = 64 * 1024


def now() -> float:
    return time.monotonic()


class Failures:
    """Failure counts by key, and how long a key must wait before its next try."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], tuple[int, float]] = {}  # (kind, key) -> (failures, last failure)

    def wait_s(self, kind: str, key: str) -> float:
        with self._lock:
            count, last = self._current(kind, key)
        over = count - FREE_FAILURES[kind]
        if over < 0:
            return 0.0
        return max(0.0, last + min(2.0 ** (over + 1), MAX_WAIT_S) - now())

    def failed(self, kind: str, key: str) -> None:
        with self._lock:
            count, _ = self._current(kind, key)
            self._seen[(kind, key)] = (count + 1, now())
            if len(self._seen) > 100_000:  # a flood of names: drop the oldest counts, not the process
                for old in sorted(self._seen, key=lambda k: self._seen[k][1])[:50_000]:
                    del self._seen[old]

    def succeeded(self, kind: str, key: str) -> None:
        with self._lock:
            self._seen.pop((kind, key), None)

    def _current(self, kind: str, key: str) -> tuple[int, float]:
        count, last = self._seen.get((kind, key), (0, 0.0))
        return (0, 0.0) if count and now() - last > FORGET_AFTER_S else (count, last)


class LoginThrottle:
    """Pure ASGI: reads the login form's name, refuses a try inside the wait, counts the route's answer."""

    def __init__(self, app, failures: Failures | None = None) -> None:
        self.app, self.failures = app, failures or Failures()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or scope.get("path") not in LOGIN_PATHS:
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more and len(body) <= MAX_BODY:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        if more or len(body) > MAX_BODY:
            await PlainTextResponse("A login form is a name and a password; this one is too large.",
                                    status_code=413)(scope, receive, send)
            return
        name = (parse_qs(body.decode("latin-1")).get("username") or [""])[0].strip().lower()[:200]
        keys = [("user", name), ("address", (scope.get("client") or ("?",))[0])]
        wait = max(self.failures.wait_s(kind, key) for kind, key in keys)
        if wait > 0:
            log.warning("login refused for %r from %s: too many failures, %.0f s to wait", name, keys[1][1], wait)
            await PlainTextResponse(f"Too many failed logins: try again in {wait:.0f} s.", status_code=429,
                                    headers={"Retry-After": str(max(1, round(wait)))})(scope, receive, send)
            return
        status: list[int] = []
        replayed = []

        async def replay():  # the form once, then the client's own messages (a disconnect)
            if replayed:
                return await receive()
            replayed.append(True)
            return {"type": "http.request", "body": body, "more_body": False}

        async def record(message):
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, replay, record)
        for kind, key in keys:
            if status and status[0] < 300:
                self.failures.succeeded(kind, key)
            elif status and 400 <= status[0] < 500:
                self.failures.failed(kind, key)

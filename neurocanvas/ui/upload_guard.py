"""Behind a login, an upload stays its uploader's. Gradio keeps every user's uploads in one cache folder (names made
from a secret seed and the content, so they cannot be guessed, and two users' identical files share one name);
this guard records the paths each upload answered with its user, then refuses the file route and any event input
that names a path another user uploaded and this one did not."""
from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from typing import Any, Iterator
from urllib.parse import unquote

from starlette.responses import PlainTextResponse

from neurocanvas.ui.guard import FileGuard, _user

UPLOAD_PATHS = ("/gradio_api/upload", "/upload")
EVENT_PREFIXES = ("/gradio_api/queue/join", "/gradio_api/call/", "/gradio_api/run/", "/queue/join", "/call/", "/run/")
MAX_EVENT_BODY = 4 * 1024 * 1024  # an event's JSON (uploads travel as paths); larger bodies pass unread


class UploadOwners:
    """Who uploaded which cached file; the oldest records go first past `limit` (their files are cleaned by then)."""

    def __init__(self, limit: int = 100_000) -> None:
        self._owners: OrderedDict[str, set[str]] = OrderedDict()
        self._lock, self.limit = threading.Lock(), limit

    def record(self, user: str, paths: list[str]) -> None:
        with self._lock:
            for path in paths:
                key = _key(path)
                self._owners.setdefault(key, set()).add(user)
                self._owners.move_to_end(key)
            while len(self._owners) > self.limit:
                self._owners.popitem(last=False)

    def foreign(self, user: str | None, path: str) -> bool:
        """True when somebody else uploaded this path and `user` did not."""
        if not self._owners:
            return False
        key = _key(path)
        with self._lock:
            owners = self._owners.get(key)
        return bool(owners) and user not in owners


def _key(path: str) -> str:
    """One spelling per file: absolute, no '..' or '//', symlinks followed (Gradio resolves what it is handed)."""
    return os.path.realpath(path)


class UploadGuard:
    """Pure ASGI, after the login check's cookies are readable; does nothing without a login (one user)."""

    def __init__(self, app, login: bool) -> None:
        self.app, self.login, self.owners = app, login, UploadOwners()

    async def __call__(self, scope, receive, send) -> None:
        if not self.login or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method, user = scope.get("path", ""), scope.get("method", ""), _user(scope)
        if method == "POST" and path in UPLOAD_PATHS and user is not None:
            await self.app(scope, receive, self._recording(user, send))
            return
        prefix = next((p for p in FileGuard.FILE_PREFIXES if path.startswith(p)), None)
        if prefix is not None and self.owners.foreign(user, unquote(path[len(prefix):])):
            await PlainTextResponse("Not found.", status_code=404)(scope, receive, send)
            return
        if method == "POST" and path.startswith(EVENT_PREFIXES):
            body, more = await _read(receive)
            if not more and any(self.owners.foreign(user, p) for p in _paths(_json(body))):
                await PlainTextResponse("That file was uploaded by another user: upload your own.",
                                        status_code=403)(scope, receive, send)
                return
            await self.app(scope, _replay(body, more, receive), send)
            return
        await self.app(scope, receive, send)

    def _recording(self, user: str, send):
        """Pass the upload's answer through, and record the paths it lists once it is complete and a success."""
        state: dict[str, Any] = {"status": 0, "body": bytearray()}

        async def wrapped(message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
            elif message["type"] == "http.response.body" and state["status"] == 200:
                state["body"].extend(message.get("body", b""))
                if not message.get("more_body", False):
                    answer = _json(bytes(state["body"]))
                    if isinstance(answer, list):
                        self.owners.record(user, [p for p in answer if isinstance(p, str)])
            await send(message)

        return wrapped


async def _read(receive) -> tuple[bytes, bool]:
    """The request body up to MAX_EVENT_BODY; `more` is True when it was longer (then it is passed on unread)."""
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return bytes(body), False
        body.extend(message.get("body", b""))
        if not message.get("more_body", False):
            return bytes(body), False
        if len(body) > MAX_EVENT_BODY:
            return bytes(body), True


def _replay(body: bytes, more: bool, receive):
    """A receive that hands the app the body already read, then (for a long body) the rest as it comes."""
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return replay


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _paths(value: Any) -> Iterator[str]:
    """Every file path an event's data names (Gradio's FileData: a dict with a "path")."""
    if isinstance(value, dict):
        if isinstance(value.get("path"), str):
            yield value["path"]
        for item in value.values():
            yield from _paths(item)
    elif isinstance(value, list):
        for item in value:
            yield from _paths(item)

"""Which Host names the studio answers, which web pages may call it, and who may read which file.

Gradio's own CORS middleware trusts the Host header, so a page on evil.example that rebinds its name to
127.0.0.1 could drive a studio without a login. Starlette's TrustedHostMiddleware answers only the
configured names; OriginGuard refuses a request whose Origin is neither the studio itself nor allowed,
before any route runs (no row written, no upload stored). Requests without an Origin (scripts,
gradio_client, curl) are not from a web page and pass.
"""
from __future__ import annotations

import logging
import re
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import unquote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import FileResponse, PlainTextResponse

from neurocanvas.config import LOCAL_HOSTS, Settings
from neurocanvas.ui.throttle import LoginThrottle

log = logging.getLogger(__name__)


def allowed_hosts(settings: Settings) -> list[str]:
    """localhost aliases, the --host name, --allowed-host names; any name behind a login on a public address."""
    hosts = sorted(LOCAL_HOSTS | {"[::1]"} | set(settings.allowed_hosts))
    if settings.host not in ("0.0.0.0", "::") and settings.host not in hosts:
        hosts.append(settings.host)
    if settings.share:
        hosts.append("*.gradio.live")
    if settings.is_public and settings.auth and not settings.allowed_hosts and settings.host in ("0.0.0.0", "::"):
        log.warning("answering any Host name (behind the login); name yours with --allowed-host to narrow it")
        return ["*"]
    return hosts


class OriginGuard:
    """Pure ASGI: a request from a web page must come from the studio's own origin or an allowed one."""

    def __init__(self, app, allowed_origins: tuple[str, ...] = ()) -> None:
        self.app = app
        self.allowed = {o.rstrip("/").lower() for o in allowed_origins}

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
            origin = headers.get("origin")
            if origin is not None and not self.permits(origin, headers.get("host", "")):
                if scope["type"] == "http":
                    response = PlainTextResponse("Cross-origin request refused: open the studio from its own "
                                                 "address, or start it with --allowed-origin.", status_code=403)
                    await response(scope, receive, send)
                else:
                    await send({"type": "websocket.close", "code": 1008})
                return
        await self.app(scope, receive, send)

    def permits(self, origin: str, host: str) -> bool:
        origin = origin.rstrip("/").lower()
        if origin in self.allowed:
            return True
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and bool(parts.netloc) and parts.netloc == host.lower()


def explicit_cors(app, settings: Settings) -> None:
    """Replace Gradio's CORS middleware (it trusts the Host header, gradio issue #13594) with Starlette's, which
    allows only the --allowed-origin origins: the studio's own page is same-origin and needs no CORS at all."""
    from gradio.route_utils import CustomCORSMiddleware
    from starlette.middleware.cors import CORSMiddleware

    kept = [m for m in app.user_middleware if m.cls is not CustomCORSMiddleware]
    app.user_middleware = [Middleware(CORSMiddleware, allow_origins=list(settings.allowed_origins),
                                      allow_credentials=bool(settings.allowed_origins),
                                      allow_methods=["*"], allow_headers=["*"])] + kept
    app.middleware_stack = None  # Starlette builds the stack again on the next request


def middleware(settings: Settings, access, shares) -> list[Middleware]:
    """For Gradio's launch(app_kwargs={"middleware": ...}): they run, in this order, before any route."""
    from neurocanvas.ui.upload_guard import UploadGuard  # it reads the user as this module does

    return [Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(settings)),
            Middleware(OriginGuard, allowed_origins=settings.allowed_origins),
            Middleware(LoginThrottle),
            Middleware(FileGuard, images_dir=settings.images_dir, access=access, shares=shares,
                       login=bool(settings.auth)),
            Middleware(UploadGuard, login=bool(settings.auth)),
            Middleware(SignedOutPages, login=bool(settings.auth))]


class FileGuard:
    """Pure ASGI, in front of Gradio's file route: a file under the images folder is served only to its owner,
    and only while it is recorded; signed share links (store/shares.py) are served here."""

    FILE_PREFIXES = ("/gradio_api/file=", "/file=")

    def __init__(self, app, images_dir: Path, access, shares, login: bool) -> None:
        self.app, self.images_dir = app, Path(images_dir).resolve()
        self.access, self.shares, self.login = access, shares, login

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            path = scope.get("path", "")
            if self.shares.parse(path) is not None:
                await self._share(scope, receive, send, path)
                return
            prefix = next((p for p in self.FILE_PREFIXES if path.startswith(p)), None)
            if prefix is not None:
                relpath = self._inside_images(unquote(path[len(prefix):]))
                if relpath is not None and not await run_in_threadpool(self.access.readable, _user(scope), relpath):
                    await PlainTextResponse("Not found.", status_code=404)(scope, receive, send)
                    return
        await self.app(scope, receive, send)

    def _inside_images(self, raw: str) -> str | None:
        try:
            resolved = Path(raw).resolve()
            return resolved.relative_to(self.images_dir).as_posix()
        except (ValueError, OSError):
            return None

    async def _share(self, scope, receive, send, path: str) -> None:
        if self.login and _user(scope) is None:  # behind a login, links open for this studio's users only
            await PlainTextResponse("Log in to this studio to open shared images.", status_code=401)(scope, receive, send)
            return
        opened = await run_in_threadpool(self.shares.opened, path, self.access.shared)
        if opened is None:
            await PlainTextResponse("Not found: the link is wrong, or the image is no longer shared.", status_code=404)(
                scope, receive, send)
            return
        await FileResponse(self.images_dir / opened[1], media_type="image/png")(scope, receive, send)


class SignedOutPages:
    """Pure ASGI: behind a login, a visitor who has not logged in sees the login page and nothing of the studio.

    Gradio embeds the whole API description (endpoint names, dropdown choices such as the installed model ids)
    in every page it serves, the login page included, and FastAPI's /openapi.json lists every route; both are
    kept for logged-in users."""

    API_INFO = re.compile(rb"window\.gradio_api_info = .*?;</script>", re.S)
    EMPTY = b'window.gradio_api_info = {"named_endpoints": {}, "unnamed_endpoints": {}};</script>'

    def __init__(self, app, login: bool) -> None:
        self.app, self.login = app, login

    async def __call__(self, scope, receive, send) -> None:
        if not self.login or scope["type"] != "http" or scope.get("method") != "GET" or _user(scope) is not None:
            await self.app(scope, receive, send)
            return
        if scope.get("path") in ("/openapi.json", "/docs", "/redoc"):
            await PlainTextResponse("Log in first.", status_code=401)(scope, receive, send)
            return
        start: dict = {}
        body = bytearray()

        async def rewrite(message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                if b"text/html" not in dict(message.get("headers", [])).get(b"content-type", b""):
                    start["pass"] = True
                    await send(message)
                return
            if start.get("pass"):
                await send(message)
                return
            body.extend(message.get("body", b""))
            if not message.get("more_body", False):
                page = self.API_INFO.sub(self.EMPTY, bytes(body))
                headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
                await send({**start, "headers": headers + [(b"content-length", str(len(page)).encode())]})
                await send({"type": "http.response.body", "body": page, "more_body": False})

        await self.app(scope, receive, rewrite)


def _user(scope) -> str | None:
    """The logged-in user of this request, read the way Gradio reads it (its token cookie); None without a login."""
    app = scope.get("app")
    tokens = getattr(app, "tokens", None)
    if not tokens:
        return None
    cookies = SimpleCookie()
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            cookies.load(value.decode("latin-1"))
    cookie_id = getattr(app, "cookie_id", "")
    for name in (f"access-token-{cookie_id}", f"access-token-unsecure-{cookie_id}"):
        if name in cookies and cookies[name].value in tokens:
            return tokens[cookies[name].value]
    return None

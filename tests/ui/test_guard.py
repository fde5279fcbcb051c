"""Host and Origin checks (issue 14): DNS rebinding and cross-site requests are refused before any route runs."""
import dataclasses
from urllib.parse import urlsplit

import httpx
import pytest

from neurocanvas.store.tables import Prompt
from neurocanvas.ui.guard import OriginGuard, allowed_hosts

CALL = "gradio_api/call/analyze_prompt"
BODY = {"data": ["a lighthouse in a storm, oil painting"]}


def request(app, path, host=None, origin=None, **kwargs):
    demo, _ = app
    url = demo.local_url.rstrip("/") + "/" + path
    headers = {"host": host or urlsplit(url).netloc}
    if origin:
        headers["origin"] = origin
    return httpx.request(kwargs.pop("method", "POST" if "json" in kwargs or "files" in kwargs else "GET"), url,
                         headers=headers, timeout=30, **kwargs)


@pytest.mark.parametrize("host, origin, status", [
    ("evil.example", "https://evil.example", 400),  # DNS rebinding: the attacker's name, pointed at 127.0.0.1
    ("evil.example", None, 400),
    (None, "https://evil.example", 403),  # a cross-site page posting to the real address
    (None, "null", 403),  # sandboxed frames and file:// pages
    (None, None, 200),  # scripts and gradio_client send no Origin
    (None, "same", 200),  # the studio's own page
])
def test_host_and_origin_matrix(app, host, origin, status):
    demo, _ = app
    own = demo.local_url.rstrip("/")
    before = Prompt.select().count()
    response = request(app, CALL, host=host, origin=own if origin == "same" else origin, json=BODY)
    assert response.status_code == status, response.text
    assert Prompt.select().count() == before  # a /call only queues; nothing ran for a refused one either
    if status != 200:
        assert "evil.example" not in response.headers.get("access-control-allow-origin", "")
        assert response.headers.get("access-control-allow-credentials") != "true"


def test_a_cross_site_upload_is_refused_and_stores_nothing(app, ctx):
    def stored():
        return sorted(p for p in ctx.settings.tmp_dir.rglob("*") if p.is_file())

    before = stored()
    response = request(app, "gradio_api/upload", origin="https://evil.example",
                       files={"files": ("x.png", b"\x89PNG" + b"0" * 1000, "image/png")})
    assert response.status_code == 403 and stored() == before
    same = request(app, "gradio_api/upload", origin=app[0].local_url.rstrip("/"),
                   files={"files": ("x.png", b"\x89PNG" + b"0" * 1000, "image/png")})
    assert same.status_code == 200


def test_the_page_itself_is_served_only_to_its_own_names(app):
    assert request(app, "").status_code == 200
    assert request(app, "", host="evil.example").status_code == 400


def test_allowed_hosts_follow_the_settings(settings):
    assert set(allowed_hosts(settings)) >= {"127.0.0.1", "localhost", "::1"} and "*" not in allowed_hosts(settings)
    named = dataclasses.replace(settings, allowed_hosts=("studio.example.org",))
    assert "studio.example.org" in allowed_hosts(named)
    public = dataclasses.replace(settings, host="0.0.0.0", auth=(("a", "b"),))
    assert allowed_hosts(public) == ["*"]  # behind the login, any name; --allowed-host narrows it
    assert "*" not in allowed_hosts(dataclasses.replace(public, allowed_hosts=("studio.example.org",)))


def test_an_allowed_origin_may_call():
    guard = OriginGuard(None, ("https://tools.example",))
    assert guard.permits("https://tools.example", "127.0.0.1:7860")
    assert guard.permits("http://127.0.0.1:7860", "127.0.0.1:7860")
    assert not guard.permits("http://127.0.0.1:7861", "127.0.0.1:7860")
    assert not guard.permits("https://evil.example", "127.0.0.1:7860")

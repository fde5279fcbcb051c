"""The owner's admin tab (issue 14): users and usage, system figures, and reports on shared images."""
import dataclasses
import re

import httpx
import pytest
from gradio_client import Client
from PIL import Image

from neurocanvas.store.tables import ALL_TABLES, Flag
from neurocanvas.ui.app import build_app, launch

LOGINS = (("alice", "pw-a"), ("bob", "pw-b"), ("carol", "pw-c"))  # alice, the first login, owns the studio


@pytest.fixture
def studio(ctx):
    ctx.settings = dataclasses.replace(ctx.settings, auth=LOGINS)
    demo = launch(build_app(ctx), ctx, prevent_thread_lock=True, _frontend=False)
    clients = {name: Client(demo.local_url, auth=(name, password), verbose=False) for name, password in LOGINS}
    web = httpx.Client(base_url=demo.local_url.rstrip("/"), timeout=30)
    assert web.post("/login", data={"username": "bob", "password": "pw-b"}).status_code == 200
    yield ctx, clients, web
    web.close()
    demo.close()


def shared_link(client: Client, image_id: int) -> str:
    answer = client.predict(image_id, "share", 0, api_name="/feedback")
    return re.search(r"Link \(copied\): (\S+)", answer).group(1)


def test_reports_reach_the_owner_who_stops_the_sharing(studio):
    ctx, users, bobs_browser = studio
    image = ctx.repo.save_image("carol", None, Image.new("RGB", (8, 8), "red"), {"prompt": "carol's"})
    link = shared_link(users["carol"], image.id)
    full = f"http://127.0.0.1:7860{link}"  # as pasted from the address bar: any host, the path decides
    assert "is reported (spam)" in users["bob"].predict(full, "spam", "ads everywhere", api_name="/report_shared")
    assert "already reported" in users["bob"].predict(link, "other", "", api_name="/report_shared")
    assert "is reported" in users["alice"].predict(link, "explicit", "", api_name="/report_shared")
    with pytest.raises(Exception, match="your own image"):
        users["carol"].predict(link, "spam", "", api_name="/report_shared")
    for endpoint in ("/admin_users", "/admin_dashboard", "/admin_reports"):
        with pytest.raises(Exception, match="Only the studio's owner"):
            users["bob"].predict(api_name=endpoint)
    with pytest.raises(Exception, match="Only the studio's owner"):
        users["bob"].predict(1, "stop sharing", api_name="/settle_report")

    reports = users["alice"].predict(api_name="/admin_reports")
    rows = [dict(zip(reports["headers"], row)) for row in reports["data"]]
    assert [(r["reporter"], r["reason"], r["owner"], r["reports"]) for r in rows] == [
        ("bob", "spam", "carol", 2), ("alice", "explicit", "carol", 2)]
    assert rows[0]["note"] == "ads everywhere" and rows[0]["link"] == link
    answer = users["alice"].predict(rows[0]["id"], "stop sharing", api_name="/settle_report")
    assert "with 1 other report" in answer and "no longer shared" in answer
    assert bobs_browser.get(link).status_code == 404  # the link is dead
    assert users["alice"].predict(api_name="/admin_reports")["data"] == []
    assert {f.status for f in Flag.select()} == {"unshared"}
    with pytest.raises(Exception, match="No open report"):
        users["alice"].predict(rows[1]["id"], "dismiss", api_name="/settle_report")
    with pytest.raises(Exception, match="not a working share link"):
        users["bob"].predict(link, "spam", "", api_name="/report_shared")  # unshared: nothing left to report


def test_the_owner_sees_everyones_usage_and_the_studios_figures(studio):
    ctx, users, _ = studio
    for colour in ("red", "blue"):
        ctx.repo.save_image("bob", None, Image.new("RGB", (16, 16), colour), {"prompt": colour})
    failed = ctx.repo.create_generation("carol", "text_to_image", prompt="a fox")
    ctx.repo.set_generation_status("carol", failed.id, "failed", error="The model ran out of memory.")
    table = users["alice"].predict(api_name="/admin_users")
    people = {row[0]: dict(zip(table["headers"], row)) for row in table["data"]}
    assert people["bob"]["images"] == 2 and people["bob"]["disk_mb"] >= 0 and people["carol"]["failed"] == 1
    figures = users["alice"].predict(api_name="/admin_dashboard")
    assert figures["jobs"]["all_time"]["failed"] == 1
    assert figures["jobs"]["latest_errors"][0]["error"] == "The model ran out of memory."
    assert figures["disk"]["disk_free_mb"] > 0 and figures["disk"]["images_mb"] >= 0
    assert figures["open_reports"] == 0


@pytest.mark.parametrize("link, reason, note, message", [
    ("", "spam", "", "not a working share link"),
    ("/nc/share/1/0000.png", "spam", "", "not a working share link"),
    ("/gradio_api/file=/etc/passwd", "spam", "", "not a working share link"),
    ("x" * 5000, "spam", "", "not a working share link"),
    ("SHARED", "nope", "", "not in the list of choices"),  # the form refuses it before the handler
    ("SHARED", "spam", "n" * 501, "under 500 characters"),
])
def test_a_bad_report_is_refused_and_writes_nothing(studio, link, reason, note, message):
    ctx, users, _ = studio
    image = ctx.repo.save_image("carol", None, Image.new("RGB", (8, 8), "red"), {"prompt": "x"})
    link = shared_link(users["carol"], image.id) if link == "SHARED" else link
    before = {table.__name__: table.select().count() for table in ALL_TABLES}
    with pytest.raises(Exception, match=message):
        users["bob"].predict(link, reason, note, api_name="/report_shared")
    assert {table.__name__: table.select().count() for table in ALL_TABLES} == before

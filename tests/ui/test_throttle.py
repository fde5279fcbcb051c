"""Failed logins slow down per name and per address (issue 14: 200 wrong passwords met no slow-down)."""
import dataclasses

import httpx
import pytest

from neurocanvas.ui import throttle
from neurocanvas.ui.app import build_app, launch


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def studio(ctx, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(throttle, "now", clock)
    ctx.settings = dataclasses.replace(ctx.settings, auth=(("alice", "pw-a"), ("bob", "pw-b")))
    demo = launch(build_app(ctx), ctx, prevent_thread_lock=True, _frontend=False)
    with httpx.Client(base_url=demo.local_url.rstrip("/"), timeout=30) as client:
        yield client, clock
    demo.close()


def login(client, name, password):
    return client.post("/login", data={"username": name, "password": password})


def test_a_name_that_keeps_failing_must_wait_and_a_success_clears_it(studio):
    client, clock = studio
    for _ in range(throttle.FREE_FAILURES["user"]):
        assert login(client, "alice", "guess").status_code == 400
    refused = login(client, "alice", "pw-a")  # the right password, inside the wait
    assert refused.status_code == 429 and "try again in 2 s" in refused.text and refused.headers["retry-after"] == "2"
    assert login(client, "bob", "pw-b").status_code == 200  # another name from the same address is not held up
    clock.t += 2.1
    assert login(client, "alice", "guess").status_code == 400  # a sixth failure: the wait doubles
    assert login(client, "alice", "pw-a").status_code == 429 and "4 s" in login(client, "alice", "pw-a").text
    clock.t += 4.1
    assert login(client, "alice", "pw-a").status_code == 200
    assert login(client, "alice", "guess").status_code == 400  # the count started again from zero


def test_an_address_that_tries_many_names_must_wait(studio):
    client, clock = studio
    for n in range(throttle.FREE_FAILURES["address"]):
        assert login(client, f"name{n}", "guess").status_code == 400
    assert login(client, "bob", "pw-b").status_code == 429
    clock.t += throttle.FORGET_AFTER_S + 1  # a quiet quarter of an hour: forgiven
    assert login(client, "bob", "pw-b").status_code == 200


def test_an_oversized_login_form_is_refused(studio):
    client, _ = studio
    assert client.post("/login", data={"username": "a" * 100_000, "password": "x"}).status_code == 413

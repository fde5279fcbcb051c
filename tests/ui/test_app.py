"""The whole app in-process, driven through gradio_client as a script or another app would."""
import pytest
from gradio_client import Client

from neurocanvas.handlers.status import TABS
from tests.fakehub import FakeHub


def test_every_tab_answers_through_the_api(app):
    demo, client = app
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    for name in ["profile", "gallery", "models", "pull_model", "settings", "text_to_image", "text_to_image_status",
                 "analyze_prompt", "enhance_prompt", *[f"/{t}_status" for t in TABS]]:
        assert "/" + name.lstrip("/") in api, name
    for tab in TABS:
        line = client.predict(api_name=f"/{tab}_status")
        assert line.startswith(f"**{TABS[tab][0]}**")
    assert client.predict(api_name="/text_to_image_status").startswith("**Tiny SD (test)** is ready")
    assert client.predict(api_name="/compare_status") == "**Compare & vote**: model ready: Tiny OpenCLIP (test)."
    assert "model ready: EfficientNet-lite0" in client.predict(api_name="/style_transfer_status")


def test_every_endpoint_the_readme_documents_exists(app):
    """The README's Client API section is what scripts are written from: a renamed endpoint must fail here."""
    import re
    from pathlib import Path

    demo, client = app
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r'api_name="(/[a-z_0-9]+)"', readme)) | set(re.findall(r"(?<![\w/])(/[a-z_0-9]+)(?=[,;)])",
                                                                                       readme.split("## Client API")[1].split("## ")[0]))
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    documented = {name for name in documented if not name.startswith(("/nc", "/gradio"))}
    assert len(documented) > 50 and sorted(documented - set(api)) == []


def test_a_tab_without_model_names_the_install_command(ctx, app):
    demo, client = app
    ctx.registry.catalog = {k: v for k, v in ctx.registry.catalog.items() if k != "tiny-clip"}
    line = client.predict(api_name="/compare_status")
    assert "python -m neurocanvas pull clip-vit-b-32" in line


def test_profile_gallery_models_and_settings(ctx, app):
    demo, client = app
    from PIL import Image

    ctx.repo.save_image(None, None, Image.new("RGB", (8, 8), "red"), {"prompt": "red"}, model_id="tiny-sd", seed=3)
    profile = client.predict(api_name="/profile")
    assert profile["user"] == "local" and profile["images"] == 1
    gallery = client.predict(1, "", "", False, "", "", "newest", api_name="/gallery")
    assert len(gallery) == 1 and "seed 3" in gallery[0]["caption"]
    rows = client.predict(api_name="/models")
    states = {row[0]: row[3] for row in rows["data"]}
    assert states["tiny-sd"] == "installed" and states["sd-turbo"] == "not downloaded" and states["minilm"] == "installed"
    settings = client.predict(api_name="/settings")
    assert settings["launch"]["host"] == "127.0.0.1" and settings["launch"]["auth"] == []
    assert settings["yours"]["text_to_image_model"] == "tiny-sd" and settings["studio"]["threads"] == 1


def test_bad_input_gets_a_clear_message(app):
    demo, client = app
    with pytest.raises(Exception, match="Unknown model 'nope'"):
        client.predict("nope", api_name="/pull_model")
    with pytest.raises(Exception, match="less than minimum value 1"):
        client.predict(-3, "", "", False, "", "", "newest", api_name="/gallery")


def test_pull_model_through_the_api_with_progress(ctx, tiny_built):
    from neurocanvas.registry import ModelSpec
    from neurocanvas.ui.app import build_app, launch

    with FakeHub() as hub:
        hub.add_repo("neurocanvas-test/tiny-vgg-remote", tiny_built / "tiny-vgg")
        ctx.registry.hub_endpoint = hub.url
        ctx.registry.add(ModelSpec(id="remote-vgg", task="style-features", name="Remote VGG", size_mb=1, ram_mb=1,
                                   licence="test", defaults={"architecture": "vgg", "layers": [8, 8, "M", 16, 16, "M", 32, "M"]},
                                   source={"type": "hub", "repo": "neurocanvas-test/tiny-vgg-remote", "revision": "main",
                                           "allow_patterns": ["*"]}))
        demo = launch(build_app(ctx), ctx, prevent_thread_lock=True, _frontend=False)
        try:
            client = Client(demo.local_url, verbose=False)
            job = client.submit("remote-vgg", api_name="/pull_model")
            message, table = job.result(timeout=60)
            assert "Remote VGG is installed" in message
            assert {r[0]: r[3] for r in table["data"]}["remote-vgg"] == "installed"
            assert ctx.registry.get("remote-vgg") is not None
            message, table = client.predict("remote-vgg", api_name="/remove_model")  # frees the disk, can come back
            assert "Remote VGG is removed" in message and not (ctx.registry.models_dir / "remote-vgg").exists()
            assert {r[0]: r[3] for r in table["data"]}["remote-vgg"] != "installed"
            assert "remote-vgg" not in ctx.registry.loaded_ids()
            with pytest.raises(Exception, match="nothing to remove"):
                client.predict("remote-vgg", api_name="/remove_model")
            with pytest.raises(Exception, match="removed with pip"):
                client.predict("minilm", api_name="/remove_model")
            assert "Remote VGG is installed" in client.predict("remote-vgg", api_name="/pull_model")[0]
        finally:
            demo.close()


def test_auth_is_required_when_set(ctx):
    import dataclasses

    from neurocanvas.ui.app import build_app, launch

    ctx.settings = dataclasses.replace(ctx.settings, auth=(("ann", "pw"),))
    demo = launch(build_app(ctx), ctx, prevent_thread_lock=True, _frontend=False)
    try:
        with pytest.raises(Exception):
            Client(demo.local_url, verbose=False)
        client = Client(demo.local_url, auth=("ann", "pw"), verbose=False)
        assert client.predict(api_name="/profile")["user"] == "ann"  # the login is the store's user
    finally:
        demo.close()


@pytest.mark.parametrize("value, message", [
    (1e30, "No image with that number"), (2**63, "No image with that number"), (-5, "No image -5"),
    (float("nan"), "whole number"), (float("inf"), "whole number"), (2.5, "whole number"), ("twelve", "whole number"),
    (None, "Pick an image first"), (0, "Pick an image first"), (True, "Pick an image first"),
])
def test_ids_out_of_range_get_a_clear_message(value, message):
    """Issue 14: ids of 1e30 or 2**63 raised OverflowError deep in the database layer."""
    from neurocanvas.handlers.common import row_id

    with pytest.raises(ValueError, match=message):
        row_id(value, "an image")
    assert row_id("12", "an image") == 12 and row_id(12.0, "an image") == 12 and row_id(2**63 - 1) == 2**63 - 1


@pytest.mark.parametrize("endpoint, args", [
    ("/feedback", (2**63, "like", 0)), ("/image_details", (1e30,)), ("/delete_image", (2**64,)),
    ("/favourite_prompt", (1e300, True)), ("/cancel_job", (2**63,)), ("/compare", ("1, 99999999999999999999",)),
    ("/director_load", (1e30,)),
])
def test_huge_ids_through_the_client_are_refused_plainly(app, endpoint, args):
    demo, client = app
    with pytest.raises(Exception) as error:
        client.predict(*args, api_name=endpoint)
    assert "Overflow" not in str(error.value) and "Something went wrong" not in str(error.value)
    assert "No " in str(error.value) or "number" in str(error.value)


def test_a_user_error_is_one_log_line_and_a_fault_a_reference(app, caplog, capfd, monkeypatch):
    """Issue 14: every handled user error logged a traceback of about 60 lines, and faults named their class."""
    import logging

    from neurocanvas.engines.prompt_analysis import PromptAnalyzer

    demo, client = app
    with caplog.at_level(logging.INFO, logger="neurocanvas"):
        with pytest.raises(Exception, match="empty"):
            client.predict("   ", api_name="/analyze_prompt")
        with pytest.raises(Exception, match="whole number"):
            client.predict(0.5, api_name="/image_details")
    refused = [r for r in caplog.records if r.getMessage().startswith("refused:")]
    assert len(refused) == 2 and all(r.exc_info is None for r in refused)
    assert "Traceback" not in capfd.readouterr().err

    def broken(self, prompt):
        raise KeyError("cache")

    monkeypatch.setattr(PromptAnalyzer, "analyze", broken)
    with pytest.raises(Exception) as error:
        client.predict("a lighthouse", api_name="/analyze_prompt")
    reference = str(error.value).split("reference ")[1][:8]
    assert "KeyError" not in str(error.value) and "on the studio's side" in str(error.value)
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert len(logged) == 1 and logged[0].exc_info is not None  # the fault's traceback, under its reference


@pytest.mark.parametrize("fault", [lambda: int("abc"), lambda: int(float("nan")), lambda: int(float("inf")),
                                   lambda: float("1,5")])
def test_python_s_own_conversion_messages_are_not_shown(fault):
    """The client cannot even send NaN (it is not JSON); a handler's own int()/float() of odd text still must not
    show Python's wording."""
    import gradio as gr

    from neurocanvas.handlers.common import user_errors

    with pytest.raises(gr.Error, match="not a number this form can use"):
        with user_errors():
            fault()


def test_the_warm_up_freezes_what_it_loaded_out_of_the_collectors_way():
    """A full collection over the loaded libraries paused every request for 0.4-0.6 s under load; after the
    warm-up those objects are frozen (never scanned), and a failed load still freezes and does not raise."""
    import gc

    from neurocanvas.ui.app import _warm_up

    loaded = []
    gc.unfreeze()
    try:
        _warm_up(lambda: loaded.append([object() for _ in range(1000)]))
        assert loaded and gc.get_freeze_count() >= 1000
        gc.unfreeze()
        _warm_up(lambda: 1 / 0)  # logged, as before
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_the_warm_up_waits_until_the_page_is_served():
    """Loading MiniLM (torch's imports) beside Gradio's start made the start 0.9 s slower."""
    import threading
    import time

    from neurocanvas.ui.app import _warm_up

    serving, loaded = threading.Event(), threading.Event()
    thread = threading.Thread(target=_warm_up, args=(loaded.set, serving), daemon=True)
    thread.start()
    time.sleep(0.3)
    assert not loaded.is_set()
    serving.set()
    thread.join(timeout=10)
    assert loaded.is_set()
    import gc

    gc.unfreeze()  # what the warm-up froze

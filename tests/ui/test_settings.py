"""Settings: a user's default models (UI load events and the client API), the studio's threads and memory."""
import dataclasses
import types

import gradio as gr
import pytest

from neurocanvas.handlers.settings import SettingsHandler
from neurocanvas.handlers.style_transfer import INSTANT, QUICK, StyleTransferHandler
from neurocanvas.handlers.text_to_image import TextToImageHandler
from neurocanvas.personalize.bandits import assigned


def test_saved_defaults_open_the_tabs(ctx, app):
    demo, client = app
    assert client.predict(api_name="/text_to_image_default_model") == "tiny-sd"
    assert client.predict(api_name="/style_methods")["value"] == INSTANT
    message = client.predict("sd-turbo", "tiny-vgg", api_name="/save_defaults")
    assert "sd-turbo" in message and "tiny-vgg" in message
    yours = client.predict(api_name="/settings")["yours"]
    assert yours["text_to_image_model"] == "sd-turbo" and yours["style_method"] == "tiny-vgg"
    # what the tab's load events give this user now: the saved model, and its status (not downloaded here)
    assert client.predict(api_name="/text_to_image_default_model") == "sd-turbo"
    assert "SD-Turbo" in client.predict(api_name="/text_to_image_status")
    assert "not downloaded" in client.predict(api_name="/text_to_image_status")
    assert client.predict(api_name="/style_methods")["value"] == "tiny-vgg"
    # another user keeps the studio's default
    handler = SettingsHandler(ctx, TextToImageHandler(ctx), StyleTransferHandler(ctx))
    other = types.SimpleNamespace(username="someone-else")
    assert handler.settings(other)["yours"] == {"text_to_image_model": "tiny-sd", "style_method": INSTANT,
                                                "algorithm": assigned("someone-else"), "epsilon": 0.1}


@pytest.mark.parametrize("model, method, message", [
    ("nope", QUICK, "Unknown text-to-image model 'nope'"),
    ("tiny-sd", "nope", "Unknown style method 'nope'"),
])
def test_unknown_defaults_are_refused_and_nothing_changes(ctx, app, model, method, message):
    demo, client = app
    with pytest.raises(Exception, match=message):
        client.predict(model, method, api_name="/save_defaults")
    assert "default_text_to_image" not in ctx.repo.user_settings(None)


def test_threads_and_memory_apply_to_the_running_studio(ctx, app):
    demo, client = app
    ctx.registry.get("minilm")
    assert "minilm" in ctx.registry.loaded_ids()
    message = client.predict(2, 0.5, api_name="/studio_settings")
    assert "2 threads" in message and "0.5 GB" in message
    assert ctx.registry.threads == 2 and ctx.registry.memory_budget_mb == 512
    studio = client.predict(api_name="/settings")["studio"]
    assert studio == {"threads": 2, "memory_budget_gb": 0.5, "you_may_change_it": True}
    client.predict(1, 0.5, api_name="/studio_settings")
    import threading

    import torch

    seen = []  # every job runs in a thread of its own (run_in_worker): a new thread takes the new count
    worker = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
    worker.start()
    worker.join()
    assert seen == [1]


@pytest.mark.parametrize("threads, memory, message", [
    (0, 4, "less than minimum value 1"), (300, 4, "whole number from 1 to 256"), (1, 2000, "from 0.5 to 1024 GB"),
    (1, 0.1, "less than minimum value 0.5"),  # the form's bounds refuse these before the handler
])
def test_absurd_studio_settings_are_refused(ctx, app, threads, memory, message):
    demo, client = app
    before = ctx.registry.threads, ctx.registry.memory_budget_mb
    with pytest.raises(Exception, match=message):
        client.predict(threads, memory, api_name="/studio_settings")
    assert (ctx.registry.threads, ctx.registry.memory_budget_mb) == before


def test_only_the_owner_changes_a_shared_studio(ctx):
    ctx.settings = dataclasses.replace(ctx.settings, host="0.0.0.0", auth=(("alice", "pw"), ("bob", "pw")))
    handler = SettingsHandler(ctx, TextToImageHandler(ctx), StyleTransferHandler(ctx))
    with pytest.raises(gr.Error, match="Only the studio's owner"):
        handler.apply_studio(2, 4, types.SimpleNamespace(username="bob"))
    assert ctx.registry.threads == 1
    assert "2 threads" in handler.apply_studio(2, 4, types.SimpleNamespace(username="alice"))
    assert handler.settings(types.SimpleNamespace(username="bob"))["studio"]["you_may_change_it"] is False
    assert "auth" not in handler.settings(types.SimpleNamespace(username="bob"))["launch"]  # logins are the owner's
    assert handler.settings(types.SimpleNamespace(username="alice"))["launch"]["auth"] == ["alice", "bob"]


def test_the_owner_is_the_owner_on_a_local_studio_too(ctx):
    """Issue 14: bound to 127.0.0.1 (behind a reverse proxy), any logged-in user could change studio settings."""
    from neurocanvas.handlers.models import ModelsHandler

    ctx.settings = dataclasses.replace(ctx.settings, auth=(("alice", "pw"), ("bob", "pw")), admin="bob")
    assert not ctx.settings.is_public
    handler = SettingsHandler(ctx, TextToImageHandler(ctx), StyleTransferHandler(ctx))
    with pytest.raises(gr.Error, match="Only the studio's owner"):
        handler.apply_studio(2, 4, types.SimpleNamespace(username="alice"))
    assert "2 threads" in handler.apply_studio(2, 4, types.SimpleNamespace(username="bob"))
    with pytest.raises(gr.Error, match="Only the studio's owner"):
        ModelsHandler(ctx).pull("taesd", types.SimpleNamespace(username="alice"), progress=lambda *a, **k: None)


def test_admin_must_be_a_login():
    from neurocanvas.config import SettingsError, load_settings

    with pytest.raises(SettingsError, match="--admin 'carol' is not one of the --auth logins"):
        load_settings(["--auth", "alice:pw", "--admin", "carol"], {})
    assert load_settings(["--auth", "alice:pw", "--auth", "bob:pw", "--admin", "bob"], {}).is_owner("bob")

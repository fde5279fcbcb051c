"""Text to image through the client API with the tiny pipeline: generate, batch, cache, cancel, PNG settings."""
import time

import numpy as np
import pytest
from gradio_client import handle_file
from PIL import Image, PngImagePlugin

from neurocanvas.store.images import read_png_meta
from neurocanvas.store.tables import Generation, Image as ImageRow
from tests.conftest import wait_until
from tests.uploads import huge_png_header

FORM = dict(prompt="a fox, art", negative="blurry", model="tiny-sd", steps=2, guidance=0.0, width=64, height=64,
            seed=42, batch=1, scheduler="default", tiny_vae=True)


def generate(client, **change):
    values = {**FORM, **change}
    return client.predict(*values.values(), api_name="/text_to_image")


def test_generate_saves_png_with_settings_and_a_done_job(ctx, app):
    demo, client = app
    gallery, preview, info, seed = generate(client, batch=2)
    assert len(gallery) == 2 and seed == 42 and "Seeds: 42, 43" in info
    job = Generation.get()
    assert job.status == "done" and job.finished_at is not None and '"denoise"' in job.timings
    rows = list(ImageRow.select().order_by(ImageRow.id))
    assert [r.seed for r in rows] == [42, 43] and all(r.generation_id == job.id for r in rows)
    meta = read_png_meta(ctx.repo.image_path(rows[1]))
    assert meta["seed"] == 43 and meta["prompt"] == "a fox, art" and meta["model_id"] == "tiny-sd"
    assert Image.open(ctx.repo.image_path(rows[0])).info["parameters"].startswith("a fox, art\nNegative prompt: blurry")


def test_each_image_of_a_batch_reproduces_from_its_seed(ctx, app):
    demo, client = app
    batch, *_ = generate(client, batch=2, seed=7)
    alone, *_ = generate(client, batch=1, seed=8)
    pixels = [np.asarray(Image.open(item["image"])) for item in (batch[1], alone[0])]
    assert np.array_equal(*pixels)
    other, *_ = generate(client, batch=1, seed=9)
    assert not np.array_equal(pixels[0], np.asarray(Image.open(other[0]["image"])))


def test_random_seed_is_shown_and_stored(ctx, app):
    demo, client = app
    _, _, info, seed = generate(client, seed=-1)
    assert 0 <= seed < 2**32 and f"Seeds: {seed}" in info
    assert ImageRow.get().seed == seed


def test_same_request_returns_the_stored_images_at_once(app):
    demo, client = app
    first, *_ = generate(client)
    second, _, info, _ = generate(client)
    assert "Same request as job" in info and Generation.select().count() == 1
    assert [g["image"].split("/")[-1] for g in second] == [g["image"].split("/")[-1] for g in first]


def test_stop_cancels_the_job_and_saves_nothing(app):
    demo, client = app
    job = client.submit(*{**FORM, "steps": 8, "batch": 8, "width": 128, "height": 128}.values(), api_name="/text_to_image")
    wait_until(lambda: any("step" in str(o[2]) for o in job.outputs() if o))
    job.cancel()
    assert wait_until(lambda: Generation.get().status == "cancelled")
    time.sleep(1.0)  # the worker stops at its next step
    assert ImageRow.select().count() == 0


def test_png_settings_fill_the_form(ctx, app):
    demo, client = app
    gallery, *_ = generate(client, seed=5, steps=3, scheduler="euler_a", guidance=1.5)
    fields = client.predict(handle_file(gallery[0]["image"]), api_name="/read_png_settings")
    # tiny_vae reads back False: tiny-sd names no tiny VAE, and the PNG records what was used
    assert list(fields[:10]) == ["a fox, art", "blurry", "tiny-sd", 3, 1.5, 64, 64, 5, "euler_a", False]


def test_a1111_png_fills_the_form(tmp_path, app):
    demo, client = app
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", "a castle\nNegative prompt: fog\nSteps: 4, Sampler: Euler a, CFG scale: 2.5, Seed: 99, Size: 64x128")
    path = tmp_path / "a1111.png"
    Image.new("RGB", (8, 8)).save(path, pnginfo=info)
    fields = client.predict(handle_file(str(path)), api_name="/read_png_settings")
    assert fields[0] == "a castle" and fields[1] == "fog" and fields[3] == 4 and fields[4] == 2.5
    assert (fields[5], fields[6], fields[7]) == (64, 128, 99)


def _settings_png(path, text: str, huge: bool = False):
    info = PngImagePlugin.PngInfo()
    info.add_text("neurocanvas", text)
    path.write_bytes(huge_png_header(20000, 20000, pnginfo=info)) if huge else Image.new("RGB", (8, 8)).save(path, pnginfo=info)
    return str(path)


@pytest.mark.parametrize("text, message", [
    ("42", "carries no generation settings"),
    ("[1, 2, 3]", "carries no generation settings"),
    ('{"seed": "x"}', "carries no generation settings"),
    ("{not json", "not a readable PNG"),
])
def test_a_png_with_unusable_settings_is_refused_clearly(tmp_path, app, text, message):
    demo, client = app
    with pytest.raises(Exception, match=message) as error:
        client.predict(handle_file(_settings_png(tmp_path / "odd.png", text)), api_name="/read_png_settings")
    assert "Error" not in str(error.value).replace("AppError", "") and "/" not in str(error.value)


def test_out_of_range_png_settings_are_left_out_and_named(tmp_path, app):
    demo, client = app
    text = '{"prompt": "a lake", "seed": 1e300, "num_inference_steps": 3, "width": 4096, "guidance_scale": NaN}'
    fields = client.predict(handle_file(_settings_png(tmp_path / "odd.png", text)), api_name="/read_png_settings")
    assert fields[0] == "a lake" and fields[3] == 3
    assert "seed" in fields[-1] and "width" in fields[-1] and "guidance_scale" in fields[-1]


def test_a_png_claiming_a_huge_size_is_refused(tmp_path, app):
    demo, client = app
    with pytest.raises(Exception, match="too large to open safely"):
        client.predict(handle_file(_settings_png(tmp_path / "bomb.png", '{"seed": 1}', huge=True)),
                       api_name="/read_png_settings")


@pytest.mark.parametrize("change, message", [
    ({"prompt": "   "}, "prompt is empty"),
    ({"model": "nope"}, "Unknown model 'nope'"),
    ({"model": "sd-turbo", "steps": 1}, "python -m neurocanvas pull sd-turbo"),
    ({"width": 100}, "multiple of 8"),
    ({"width": 512}, "between 64 and 128 pixels for this model"),
    ({"width": 100000}, "maximum value 1024"),  # past every model's bound, Gradio's slider refuses it first
    ({"steps": 50}, "Steps must be between 1 and 8 for this model"),
    ({"steps": 10000}, "maximum value 100"),
    ({"batch": 1000}, "maximum value 8"),
    ({"seed": 2**40}, "seed must be between"),
])
def test_bad_input_is_refused_and_writes_nothing(app, change, message):
    demo, client = app
    with pytest.raises(Exception, match=message):
        generate(client, **change)
    assert Generation.select().count() == 0 and ImageRow.select().count() == 0


def test_corrupt_model_file_is_reported_and_writes_nothing(ctx, app):
    demo, client = app
    unet = ctx.registry.local_path("tiny-sd") / "unet" / "diffusion_pytorch_model.safetensors"
    unet.write_bytes(unet.read_bytes()[:2000])
    with pytest.raises(Exception, match="could not be loaded.*pull the model again"):
        generate(client)
    assert Generation.select().count() == 0


def test_long_prompt_runs_with_a_note(app):
    demo, client = app
    _, _, info, _ = generate(client, prompt="a fox " * 1500)
    assert "longer than the text encoder's 77 tokens" in info


def test_changing_the_model_fills_its_defaults(app):
    demo, client = app
    steps, guidance, width, height, status, tiny = client.predict("sd-turbo", api_name="/model_defaults")
    assert (steps, guidance, width, height) == (1, 0.0, 512, 512) and "not downloaded yet" in status
    # TAESD is not installed here: the box is not ticked, cannot be, and says how to add it
    assert tiny["value"] is False and tiny["interactive"] is False
    assert "python -m neurocanvas pull taesd" in tiny["label"]
    assert client.predict("sd21-base", api_name="/model_defaults")[5]["label"].startswith("Tiny VAE: none")


def test_quality_presets_follow_the_model(app):
    demo, client = app
    assert client.predict("draft", "tiny-sd", api_name="/quality_preset") == (1, 128, 128)  # 256 px, capped by the model
    assert client.predict("standard", "tiny-sd", api_name="/quality_preset") == (2, 64, 64)
    assert client.predict("high", "sd-turbo", api_name="/quality_preset") == (4, 768, 768)


def test_a_waiting_job_shows_its_position_and_eta_and_can_be_cancelled(app):
    demo, client = app
    long = client.submit(*{**FORM, "steps": 8, "batch": 8, "width": 128, "height": 128}.values(), api_name="/text_to_image")
    wait_until(lambda: any("step" in str(o[2]) for o in long.outputs() if o))
    waiting = client.submit(*{**FORM, "seed": 1}.values(), api_name="/text_to_image")
    assert wait_until(lambda: any("position 1 in the queue" in str(o[2]) for o in waiting.outputs() if o))
    line = next(str(o[2]) for o in waiting.outputs() if o and "position" in str(o[2]))
    assert "done in about" in line
    table = client.predict(api_name="/jobs")
    assert [row[2:4] for row in table["data"]] == [["running", 0], ["waiting", 1]]
    second = Generation.select().order_by(Generation.id.desc()).get()
    assert second.status == "queued"
    message, _ = client.predict(second.id, api_name="/cancel_job")
    assert "Cancelling job" in message
    assert wait_until(lambda: Generation.get_by_id(second.id).status == "cancelled")
    first = Generation.select().order_by(Generation.id).get()
    client.predict(first.id, api_name="/cancel_job")  # a running job stops at its next step
    assert wait_until(lambda: Generation.get_by_id(first.id).status == "cancelled")
    with pytest.raises(Exception, match="is not waiting or running"):
        client.predict(first.id, api_name="/cancel_job")
    assert ImageRow.select().count() == 0


def test_the_tiny_vae_box_is_ticked_where_the_tiny_vae_is_installed(ctx, monkeypatch):
    from neurocanvas.handlers.text_to_image import TextToImageHandler

    monkeypatch.setattr(ctx.registry, "is_installed", lambda model_id: model_id == "taesd")
    box = TextToImageHandler(ctx).tiny_vae_box("taesd")
    assert box["value"] is True and box["interactive"] is True and "10x faster" in box["label"]

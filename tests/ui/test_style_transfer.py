"""Style transfer through the client API (the tiny VGG keeps it fast; quality is tested on EfficientNet)."""
import time

import numpy as np

import pytest
from gradio_client import handle_file
from PIL import Image

from neurocanvas.handlers.style_transfer import StyleTransferHandler
from neurocanvas.store.images import read_png_meta
from neurocanvas.store.tables import Generation, Image as ImageRow
from tests.conftest import wait_until


@pytest.fixture
def photo(tmp_path):
    from skimage import data

    path = tmp_path / "coffee.png"
    Image.fromarray(data.coffee()).save(path)
    return str(path)


def restyle(client, photo, **change):
    values = dict(content=handle_file(photo), preset_a="the-scream", weight_a=1.0, preset_b="none", weight_b=0.5,
                  own=None, own_weight=1.0, strength=1.0, size=256, steps=20, keep=False, method="tiny-vgg")
    values.update(change)
    return client.predict(*values.values(), api_name="/style_transfer")


def test_restyle_saves_the_result_with_its_settings(ctx, app, photo):
    demo, client = app
    result, preview, info, image_id = restyle(client, photo, preset_b="udnie", weight_b=0.5)
    assert Image.open(result).size == (256, 171) and "style loss fell" in info
    assert image_id == ImageRow.get().id  # the result's id, for the reactions bar and the API
    job = Generation.get()
    assert job.kind == "style_transfer" and job.status == "done"
    meta = read_png_meta(ctx.repo.image_path(ImageRow.get()))
    assert meta["styles"] == ["the-scream", "udnie"] and meta["weights"] == [1.0, 0.5] and meta["size"] == 256


def test_own_style_image(app, photo, tmp_path):
    demo, client = app
    own = tmp_path / "own.png"
    Image.new("RGB", (64, 64), "purple").save(own)
    result, _, _, _ = restyle(client, photo, preset_a="none", own=handle_file(str(own)), keep=True)
    assert Image.open(result).mode == "RGB" and ImageRow.select().count() == 1


def test_stop_cancels_and_saves_nothing(app, photo):
    demo, client = app
    job = client.submit(*[handle_file(photo), "the-scream", 1.0, "none", 0.5, None, 1.0, 1.0, 512, 600, False,
                          "tiny-vgg"], api_name="/style_transfer")
    wait_until(lambda: any(o and "Step" in str(o[2]) for o in job.outputs()), timeout=60)
    job.cancel()
    assert wait_until(lambda: Generation.get().status == "cancelled")
    time.sleep(0.5)
    assert ImageRow.select().count() == 0


@pytest.mark.parametrize("change, message", [
    ({"content": None}, "Upload a photo"),
    ({"preset_a": "none"}, "at least one style"),
    ({"weight_a": 0.0}, "at least one above zero"),
    ({"method": "nope"}, "Unknown model 'nope'"),
    ({"method": "vgg19"}, "python -m neurocanvas pull vgg19"),
])
def test_bad_input_changes_nothing(app, photo, change, message):
    demo, client = app
    with pytest.raises(Exception, match=message):
        restyle(client, photo, **change)
    assert Generation.select().count() == 0 and ImageRow.select().count() == 0


def test_a_corrupt_upload_is_refused(app, tmp_path, photo):
    demo, client = app
    broken = tmp_path / "broken.png"
    broken.write_bytes(open(photo, "rb").read()[:300])
    with pytest.raises(Exception, match="The photo is not a readable image file"):
        restyle(client, str(broken))
    assert Generation.select().count() == 0


def test_missing_preset_without_network_says_how_to_fix_it(ctx, app, photo, monkeypatch):
    demo, client = app
    import neurocanvas.style_presets as presets

    real = presets.load_presets()
    monkeypatch.setattr(presets, "load_presets", lambda: {**real, "udnie": {**real["udnie"], "file": "not-here.jpg",
                                                                              "url": "http://127.0.0.1:9/udnie.jpg"}})
    with pytest.raises(Exception, match="--styles-dir"):
        restyle(client, photo, preset_a="udnie")
    assert Generation.select().count() == 0


def test_a_fast_network_trained_here_restyles_in_one_pass(ctx, app, photo, tmp_path):
    from neurocanvas.style_training import train_style

    demo, client = app
    folder = tmp_path / "photos"
    folder.mkdir()
    Image.open(photo).save(folder / "a.png")
    train_style(ctx, "the-scream", folder, steps=2, size=64, channels=8)
    result, _, info, _ = restyle(client, photo, method="fast-the-scream", preset_a="none", size=320, steps=20)
    assert Image.open(result).size == (320, 213) and "Fast: Edvard Munch" in info
    meta = read_png_meta(ctx.repo.image_path(ImageRow.get()))
    assert meta["method"] == "fast-the-scream" and meta["styles"] == ["the-scream"]
    assert Generation.get().status == "done"
    with pytest.raises(Exception, match="less than minimum value 256"):
        restyle(client, photo, method="fast-the-scream", size=100)
    assert ImageRow.select().count() == 1


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_the_precision_setting_reaches_the_classic_method(settings, tiny_built, photo, precision, monkeypatch):
    """--precision forces the CPU-dependent choice either way, so both sides run on any machine."""
    import dataclasses

    from neurocanvas.context import build_context
    from neurocanvas.engines import style_transfer as engine
    from tests.fixtures import install_tiny_models

    seen = []

    class RecordingTaps(engine.VGGTaps):
        def __init__(self, features, low_precision=False):
            seen.append(low_precision)
            super().__init__(features, low_precision)

    monkeypatch.setattr(engine, "VGGTaps", RecordingTaps)
    ctx = build_context(dataclasses.replace(settings, precision=precision))
    install_tiny_models(ctx.registry, tiny_built)
    ctx.jobs.start()
    try:
        outputs = list(StyleTransferHandler(ctx).restyle(
            photo, "the-scream", 1.0, "none", 0.5, None, 1.0, 1.0, 64, 4, False, "tiny-vgg", None, progress=None))
    finally:
        ctx.jobs.stop()
        ctx.repo.db.close()
    assert seen == [precision == "bfloat16"] and "style loss fell" in outputs[-1][2]


def test_the_instant_method_is_the_default_and_mixes_presets_with_an_own_image(ctx, app, photo, tmp_path):
    """The packaged Magenta networks: any preset, the user's own image and a mix, in one pass, saved with settings."""
    demo, client = app
    methods = client.predict(api_name="/style_methods")
    assert methods["value"] == "magenta-arbitrary" and methods["choices"][0][1] == "magenta-arbitrary"
    assert "Instant: typically 0.1-0.3 s on 2 cores (not run here yet)" in StyleTransferHandler(ctx).method_note()
    own = tmp_path / "own.png"
    Image.fromarray((np.random.default_rng(0).random((96, 96, 3)) * 255).astype(np.uint8)).save(own)
    result, _, info, _ = restyle(client, photo, method="magenta-arbitrary", preset_b="udnie", weight_b=0.5,
                              own=handle_file(str(own)), own_weight=0.25, strength=3.0, size=640, keep=True)
    assert Image.open(result).size == (640, 427) and "painted in" in info
    meta = read_png_meta(ctx.repo.image_path(ImageRow.get()))
    assert meta["method"] == "magenta-arbitrary" and meta["styles"] == ["the-scream", "udnie", "own image"]
    assert meta["weights"] == [1.0, 0.5, 0.25] and meta["strength"] == 1.0 and meta["keep_colors"] is True
    assert "Instant: about" in StyleTransferHandler(ctx).method_note()  # from this machine's finished job
    for change in ({"size": 2048}, {"strength": -1}, {"weight_a": 0.0, "weight_b": 0.0, "own": None}):
        with pytest.raises(Exception, match="1024|minimum|at least one above zero"):
            restyle(client, photo, method="magenta-arbitrary", **change)
    assert ImageRow.select().count() == 1


@pytest.mark.parametrize("mode", ["CMYK", "I;16", "LA", "P"])
def test_the_instant_method_takes_photos_in_any_colour_mode(app, photo, tmp_path, mode):
    demo, client = app
    odd = tmp_path / f"odd.{'jpg' if mode == 'CMYK' else 'png'}"
    picture = Image.open(photo)
    converted = (Image.fromarray((np.asarray(picture.convert("L"), dtype=np.uint16) * 257)) if mode == "I;16"
                 else picture.convert(mode))
    converted.save(odd)
    result, _, info, _ = restyle(client, str(odd), method="magenta-arbitrary", size=256)
    assert Image.open(result).mode == "RGB" and Image.open(result).size == (256, 171) and "painted in" in info
    assert np.asarray(Image.open(result)).std() > 10


def test_stop_after_a_finished_job_keeps_its_saved_line(ctx):
    import gradio as gr

    handler = StyleTransferHandler(ctx)
    assert handler.stopped(None) == gr.skip()  # nothing ran yet
    job = ctx.repo.create_generation(None, "style_transfer")
    assert handler.stopped(None) == f"Stopped job #{job.id} while it waited: nothing was saved."
    ctx.repo.set_generation_status(None, job.id, "done")
    assert handler.stopped(None) == gr.skip()

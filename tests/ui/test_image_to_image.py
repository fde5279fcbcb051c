"""Image to image and variations through the client API with the tiny pipeline (issue 20): the parent recorded,
strength checked before anything is written, variations with new seeds."""
import numpy as np
import pytest
from gradio_client import handle_file
from PIL import Image

from neurocanvas.store.images import read_png_meta
from neurocanvas.store.tables import Generation, Image as ImageRow
from tests.engines.test_text_to_image import squares
from tests.ui.test_text_to_image import FORM, generate

I2I = {**FORM, "steps": 4}


def image_to_image(client, start=None, start_id=None, strength=0.5, **change):
    return client.predict(*{**I2I, **change}.values(), start, start_id, strength, api_name="/image_to_image")


def test_an_upload_starts_the_picture_and_its_png_says_so(tmp_path, ctx, app):
    demo, client = app
    path = tmp_path / "start.png"
    squares("red", "blue", 80).save(path)
    gallery, _, info, seed = image_to_image(client, handle_file(str(path)), batch=2)
    assert len(gallery) == 2 and "From the upload at strength 0.5 (2 of 4 steps ran)" in info
    rows = list(ImageRow.select().order_by(ImageRow.id))
    assert [r.seed for r in rows] == [42, 43] and all(r.parent_id is None for r in rows)
    meta = read_png_meta(ctx.repo.image_path(rows[0]))
    assert meta["strength"] == 0.5 and meta["parent_id"] is None and len(meta["init_image_sha256"]) == 64
    text_only, *_ = generate(client, steps=4)
    assert not np.array_equal(np.asarray(Image.open(gallery[0]["image"])), np.asarray(Image.open(text_only[0]["image"])))


def test_a_gallery_image_is_the_parent_of_what_it_starts(ctx, app):
    demo, client = app
    parent = ctx.repo.save_image(None, None, squares("green", "white"), {"prompt": "two halves"}, model_id="tiny-sd")
    gallery, _, info, _ = image_to_image(client, None, parent.id, strength=0.75)
    assert f"From image #{parent.id} at strength 0.75 (3 of 4 steps ran)" in info
    child = ImageRow.select().where(ImageRow.id != parent.id).get()
    assert child.parent_id == parent.id and read_png_meta(ctx.repo.image_path(child))["parent_id"] == parent.id


@pytest.mark.parametrize("change, message", [
    (dict(strength=0), "Strength must be above 0 and at most 1"),
    (dict(strength=1.5), "greater than maximum value 1"),  # the slider's own bound
    (dict(strength=0.1), "use at least 10 steps"),
    (dict(start_id=None), "starts from an image: upload one"),
    (dict(start_id=999), "No image"),
    (dict(model="auto"), "Auto is for text alone"),
])
def test_bad_image_to_image_requests_write_nothing(ctx, app, change, message):
    demo, client = app
    parent = ctx.repo.save_image(None, None, squares("green", "white"), {"prompt": "x"})
    options = {"start_id": parent.id, **change}
    form = {k: v for k, v in options.items() if k in I2I}
    with pytest.raises(Exception, match=message):
        image_to_image(client, None, options["start_id"], options.get("strength", 0.5), **form)
    assert Generation.select().count() == 0 and ImageRow.select().count() == 1


def test_a_corrupt_upload_is_refused(tmp_path, app):
    demo, client = app
    path = tmp_path / "broken.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"junk" * 20)
    with pytest.raises(Exception, match="Start image"):
        image_to_image(client, handle_file(str(path)))
    assert Generation.select().count() == 0


def test_variations_keep_the_prompt_with_new_seeds_and_name_their_parent(ctx, app):
    demo, client = app
    first, *_ = generate(client, seed=5)
    parent = ImageRow.get()
    gallery, _, info, _ = client.predict(parent.id, 3, api_name="/variations")
    assert len(gallery) == 3 and f"Variations of image #{parent.id}" in info
    children = list(ImageRow.select().where(ImageRow.parent == parent.id))
    assert len(children) == 3 and len({c.seed for c in children}) == 3 and 5 not in {c.seed for c in children[:1]}
    meta = read_png_meta(ctx.repo.image_path(children[0]))
    assert meta["prompt"] == FORM["prompt"] and meta["negative_prompt"] == "blurry" and meta["strength"] is None
    close, _, info, _ = client.predict(parent.id, 1, api_name="/close_variations")
    assert "at strength 0.5 (1 of 2 steps ran)" in info
    assert read_png_meta(ctx.repo.image_path(ImageRow.select().order_by(ImageRow.id.desc()).get()))["parent_id"] == parent.id


def test_an_image_with_no_prompt_has_no_variations(ctx, app):
    demo, client = app
    photo = ctx.repo.save_image(None, None, squares("green", "white"), {"kind": "style_transfer"}, model_id="vgg")
    with pytest.raises(Exception, match="not made from a prompt"):
        client.predict(photo.id, 2, api_name="/variations")
    assert Generation.select().count() == 0

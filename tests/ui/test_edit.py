"""Edit through the client API: a saved edit is a new image linked to its parent, the original never changes,
and reopening an edit gives back its steps, which is how a step is undone."""
import json

import numpy as np
import pytest
from PIL import Image

from neurocanvas.store.images import read_png_meta
from neurocanvas.store.tables import Image as ImageRow
from tests.engines.test_image_edit import quadrants


def original(ctx, user=None):
    gen = ctx.repo.create_generation(user, "text_to_image", prompt="four squares")
    ctx.repo.set_generation_status(user, gen.id, "done")
    return ctx.repo.save_image(user, gen.id, quadrants(64, 32), {"prompt": "four squares", "seed": 3},
                               model_id="tiny-sd", seed=3)


STEPS = [{"op": "rotate", "degrees": 90}, {"op": "crop", "left": 0, "top": 0, "width": 1, "height": 0.5},
         {"op": "adjust", "brightness": 0.5}]


def test_save_makes_a_linked_image_and_reopening_it_undoes_a_step(ctx, app):
    demo, client = app
    image = original(ctx)
    before = ctx.repo.image_path(image).read_bytes()
    preview_file = client.predict(image.id, STEPS, api_name="/edit_preview")
    assert "/exports/" not in preview_file  # the client downloaded its own copy
    preview = Image.open(preview_file)
    assert preview.size == (32, 32) and preview.getpixel((0, 0))[1] == pytest.approx(128, abs=2)  # green, halved
    saved = client.predict(image.id, STEPS, api_name="/edit_save")
    assert saved["parent_id"] == image.id and saved["size"] == [32, 32]
    row = ImageRow.get_by_id(saved["id"])
    assert json.loads(row.edits) == [{"op": "rotate", "degrees": 90.0}, {
        "op": "crop", "ratio": "free", "left": 0.0, "top": 0.0, "width": 1.0, "height": 0.5},
        {"op": "adjust", "brightness": 0.5}] and row.model_id == "tiny-sd" and row.seed == 3
    meta = read_png_meta(ctx.repo.image_path(row))
    assert meta["parent_id"] == image.id and meta["prompt"] == "four squares" and len(meta["edits"]) == 3
    assert ctx.repo.image_path(image).read_bytes() == before  # the original is never touched

    reopened = client.predict(saved["id"], api_name="/edit_reopen")
    assert reopened == {"source_id": image.id, "steps": json.loads(row.edits)}
    undone = client.predict(image.id, reopened["steps"][:-1], api_name="/edit_save")  # undo the last step
    pixels = np.asarray(Image.open(ctx.repo.image_path(ImageRow.get_by_id(undone["id"]))))
    assert tuple(pixels[0, 0]) == (0, 255, 0)  # full brightness again
    assert client.predict(image.id, api_name="/edit_reopen") == {"source_id": image.id, "steps": []}


@pytest.mark.parametrize("steps, words", [
    ([{"op": "crop", "left": 0.5, "top": 0, "width": 0.9, "height": 1}], "outside the image"),
    ([{"op": "crop", "left": 0, "top": 0, "width": 0, "height": 0}], "no area"),
    ([{"op": "rotate", "degrees": "a lot"}], "must be a number"),
    ([], "nothing to save"),
    ("rotate 90", "a list of steps"),
])
def test_bad_edits_get_a_message_and_save_nothing(ctx, app, steps, words):
    demo, client = app
    image = original(ctx)
    count = ImageRow.select().count()
    with pytest.raises(Exception, match=words):
        client.predict(image.id, steps, api_name="/edit_save")
    assert ImageRow.select().count() == count


def test_another_users_image_cannot_be_edited_or_previewed(ctx, app):
    demo, client = app
    theirs = original(ctx, user="someone-else")
    count = ImageRow.select().count()
    for api in ("/edit_save", "/edit_preview"):
        with pytest.raises(Exception, match=f"No image {theirs.id} in your gallery"):
            client.predict(theirs.id, STEPS, api_name=api)
    with pytest.raises(Exception, match="No image"):
        client.predict(theirs.id, api_name="/edit_reopen")
    assert ImageRow.select().count() == count


def test_an_edit_whose_parent_was_deleted_reopens_as_itself(ctx, app):
    demo, client = app
    image = original(ctx)
    saved = client.predict(image.id, STEPS[:1], api_name="/edit_save")
    client.predict(image.id, api_name="/delete_image")
    assert client.predict(saved["id"], api_name="/edit_reopen") == {"source_id": saved["id"], "steps": []}


def test_the_panel_builds_steps_one_button_at_a_time(ctx):
    """The handler behind the panel's buttons: each adds a step and answers with a preview; Undo drops one."""
    from neurocanvas.handlers.edit import EditHandler

    handler, image = EditHandler(ctx), original(ctx)
    preview, source, steps, listing = handler.open(image.id, None)
    assert source == image.id and steps == [] and preview.size == (64, 32) and "original" in listing
    preview, steps, listing = handler.rotate_left(source, steps, None)
    preview, steps, listing = handler.crop(source, steps, "1:1", 0, 0, 100, 100, None)
    assert preview.size == (32, 32) and listing == "Steps: 1. rotate 90°; 2. crop 1:1 at 0%, 0%, 100% x 100%"
    assert handler.live(source, steps, 0.5, 1, 1, 1, None).getpixel((0, 0))[1] == pytest.approx(128, abs=2)
    assert len(steps) == 2  # a slider's live preview adds no step
    preview, steps, listing = handler.undo(source, steps, None)
    assert steps == [{"op": "rotate", "degrees": 90.0}] and preview.size == (32, 64)
    message, new_id = handler.save(source, steps, None)
    assert f"Saved as image #{new_id}, made from image #{image.id}" in message
    reopened = handler.open(new_id, None)
    assert reopened[1] == image.id and reopened[2] == steps

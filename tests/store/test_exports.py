"""The bulk-download zip (issue 20): each PNG as saved, with its settings, and an index that says what each is."""
import io
import json
import zipfile

import pytest
from PIL import Image

from neurocanvas.store.exports import MAX_ZIP_IMAGES, zip_images
from neurocanvas.store.images import read_png_meta


def saved(ctx, colour, user=None, **meta):
    return ctx.repo.save_image(user, None, Image.new("RGB", (16, 8), colour), {"prompt": f"a {colour} square", **meta},
                               model_id="tiny-sd", seed=len(colour))


def test_the_zip_holds_each_png_byte_for_byte_and_an_index(ctx):
    red, blue = saved(ctx, "red"), saved(ctx, "blue", steps=4)
    path, count = zip_images(ctx.repo, None, [blue.id, red.id, blue.id])
    assert count == 2 and path.name == "gallery-selection.zip"
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == [f"image-{blue.id}.png", f"image-{red.id}.png", "index.json"]
        assert archive.read(f"image-{red.id}.png") == ctx.repo.image_path(red).read_bytes()
        assert read_png_meta(io.BytesIO(archive.read(f"image-{blue.id}.png")))["steps"] == 4  # settings inside
        index = json.loads(archive.read("index.json"))["images"]
    assert [(i["id"], i["file"], i["seed"], i["width"], i["height"]) for i in index] == [
        (blue.id, f"image-{blue.id}.png", 4, 16, 8), (red.id, f"image-{red.id}.png", 3, 16, 8)]
    assert index[0]["settings"]["prompt"] == "a blue square" and index[0]["sha256"] == blue.sha256


def test_a_new_zip_replaces_the_last_one(ctx):
    red, blue = saved(ctx, "red"), saved(ctx, "blue")
    first, _ = zip_images(ctx.repo, None, [red.id])
    second, _ = zip_images(ctx.repo, None, [blue.id])
    assert first == second and len(list(first.parent.iterdir())) == 1
    assert zipfile.ZipFile(second).namelist()[0] == f"image-{blue.id}.png"


@pytest.mark.parametrize("ids, message", [([], "Tick the images"), ([999], "No image 999"),
                                          (list(range(1, MAX_ZIP_IMAGES + 2)), f"up to {MAX_ZIP_IMAGES}")])
def test_bad_selections_write_no_zip(ctx, ids, message):
    with pytest.raises(Exception, match=message):
        zip_images(ctx.repo, None, ids)
    assert not (ctx.settings.images_dir / "u1" / "exports").exists() or not any(
        (ctx.settings.images_dir / "u1" / "exports").iterdir())


def test_another_users_or_a_deleted_image_stops_the_zip(ctx):
    mine, theirs = saved(ctx, "red", user="ann"), saved(ctx, "blue", user="bob")
    with pytest.raises(Exception, match=f"No image {theirs.id}"):
        zip_images(ctx.repo, "ann", [mine.id, theirs.id])
    ctx.repo.delete_image("ann", mine.id)
    with pytest.raises(Exception, match=f"No image {mine.id}"):
        zip_images(ctx.repo, "ann", [mine.id])

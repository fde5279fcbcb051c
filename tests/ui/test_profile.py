"""The Profile gallery through the client API: filters, sort, delete with undo, downloads."""
import pytest
from PIL import Image

from neurocanvas.store.tables import Feedback


def add(ctx, model, kind="text_to_image", colour="red", user=None):
    gen = ctx.repo.create_generation(user, kind)
    ctx.repo.set_generation_status(user, gen.id, "done")
    return ctx.repo.save_image(user, gen.id, Image.new("RGB", (16, 16), colour), {"prompt": colour}, model_id=model, seed=1)


def ids(gallery):
    return [int(item["caption"][1:].split(" ")[0]) for item in gallery]


def show(client, **change):
    values = dict(page=1, model="", kind="", favourites=False, since="", until="", sort="newest")
    values.update(change)
    return ids(client.predict(*values.values(), api_name="/gallery"))


def test_captions_name_a_seed_only_where_there_is_one(ctx, app):
    demo, client = app
    render = add(ctx, "tiny-sd")
    restyle = ctx.repo.save_image(None, None, Image.new("RGB", (16, 16)), {"styles": ["udnie"]},
                                  model_id="magenta-arbitrary", seed=None)
    captions = {int(i["caption"][1:].split(" ")[0]): i["caption"] for i in client.predict(
        1, "", "", False, "", "", "newest", api_name="/gallery")}
    assert captions[render.id] == f"#{render.id} · tiny-sd · seed 1"
    assert captions[restyle.id] == f"#{restyle.id} · magenta-arbitrary" and "None" not in captions[restyle.id]


def test_filters_and_sorting(ctx, app):
    demo, client = app
    a, b, c = add(ctx, "tiny-sd"), add(ctx, "lcm"), add(ctx, "efficientnet-lite0", kind="style_transfer")
    assert show(client) == [c.id, b.id, a.id] and show(client, sort="oldest") == [a.id, b.id, c.id]
    assert show(client, model="lcm") == [b.id]
    assert show(client, kind="style_transfer") == [c.id]
    client.predict(a.id, "favourite", 0, api_name="/feedback")
    assert show(client, favourites=True) == [a.id]
    client.predict(b.id, "rating", 5, api_name="/feedback")
    client.predict(c.id, "rating", 2, api_name="/feedback")
    assert show(client, sort="rating") == [b.id, c.id, a.id]
    ctx.repo.set_clip_score(None, a.id, 0.9)
    assert show(client, sort="clip")[0] == a.id
    assert show(client, since="2000-01-01", until="2999-01-01") == [c.id, b.id, a.id]
    assert show(client, until="2000-01-01") == []


def test_delete_and_undo(ctx, app):
    demo, client = app
    image = add(ctx, "tiny-sd")
    message = client.predict(image.id, api_name="/delete_image")
    assert "deleted" in message and show(client) == []
    assert ctx.repo.image_path(image).is_file()  # nothing is lost until the user leaves it deleted
    # gradio_client keeps the session's state: Undo restores the last deleted image
    assert "is back" in client.predict(api_name="/restore_image")
    assert show(client) == [image.id]


def test_after_the_undo_window_a_deleted_image_is_gone_for_good(ctx, app):
    import datetime as dt

    from neurocanvas.store.tables import Image as ImageRow, now

    demo, client = app
    image = add(ctx, "tiny-sd")
    client.predict(image.id, api_name="/delete_image")
    hours = ctx.settings.keep_deleted_hours
    ImageRow.update(deleted_at=now() - dt.timedelta(hours=hours + 1)).where(ImageRow.id == image.id).execute()
    stale = ctx.settings.tmp_dir / "0123abcd" / "upload.png"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"x")
    assert ctx.housekeeper.run_once() == {"purged": 1, "temp_removed": 0}  # the upload is new: it stays
    assert not ctx.repo.image_path(image).exists() and stale.exists()
    with pytest.raises(Exception, match="undo window"):
        client.predict(api_name="/restore_image")
    assert show(client) == []


def test_the_studio_housekeeps_from_its_start(ctx):
    import os
    import time

    from tests.conftest import wait_until
    from neurocanvas.ui.app import build_app, launch

    stale = ctx.settings.tmp_dir / "0123abcd" / "upload.png"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"x")
    past = time.time() - ctx.settings.temp_max_age_hours * 3600 - 60
    os.utime(stale, (past, past))
    demo = launch(build_app(ctx), ctx, prevent_thread_lock=True, _frontend=False)
    try:
        assert wait_until(lambda: not stale.exists(), timeout=10)
    finally:
        demo.close()


def test_download_in_three_formats_counts_as_a_download(ctx, app):
    demo, client = app
    image = add(ctx, "tiny-sd")
    for fmt, pil in (("PNG", "PNG"), ("JPEG", "JPEG"), ("WebP", "WEBP")):
        path = client.predict(image.id, fmt, api_name="/download_image")
        assert Image.open(path).format == pil


@pytest.mark.parametrize("change, message", [
    ({"since": "yesterday"}, "From must be a date like 2026-11-25"),
    ({"sort": "random"}, "not in the list of choices"),  # Gradio refuses it before the handler
])
def test_bad_gallery_queries(app, change, message):
    demo, client = app
    with pytest.raises(Exception, match=message):
        show(client, **change)


def test_someone_elses_image_cannot_be_deleted_or_downloaded(ctx, app):
    demo, client = app
    theirs = add(ctx, "tiny-sd", user="someone-else")
    with pytest.raises(Exception, match="No image"):
        client.predict(theirs.id, api_name="/delete_image")
    with pytest.raises(Exception, match="No image"):
        client.predict(theirs.id, "PNG", api_name="/download_image")
    assert Feedback.select().count() == 0


def test_lightbox_details_and_history(ctx, app):
    demo, client = app
    image = add(ctx, "tiny-sd")
    client.predict(image.id, "rating", 4, api_name="/feedback")
    details = client.predict(image.id, api_name="/image_details")
    assert details["id"] == image.id and details["model"] == "tiny-sd" and details["your_reactions"] == ["rating 4"]
    assert "settings" in details
    with pytest.raises(Exception, match="No image"):
        client.predict(add(ctx, "tiny-sd", user="someone-else").id, api_name="/image_details")
    history = client.predict(api_name="/job_history")
    assert history["data"][0][1:3] == ["text_to_image", "done"]
    stats = client.predict(api_name="/profile")
    assert stats["favourite_model"] == "tiny-sd"


def test_ticked_images_download_as_one_zip(ctx, app):
    import json
    import zipfile

    demo, client = app
    rows = [add(ctx, "tiny-sd", colour=c) for c in ("red", "green", "blue")]
    path = client.predict([rows[2].id, rows[0].id], api_name="/download_zip")
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == [f"image-{rows[2].id}.png", f"image-{rows[0].id}.png", "index.json"]
        assert [i["id"] for i in json.loads(archive.read("index.json"))["images"]] == [rows[2].id, rows[0].id]
    with pytest.raises(Exception, match="Tick the images"):
        client.predict([], api_name="/download_zip")

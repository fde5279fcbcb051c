"""Compare & vote through the client API: side by side, Elo from votes, export, and refusals."""
import json

import pytest
from PIL import Image

from neurocanvas.personalize.elo import update
from neurocanvas.store.tables import Feedback, Rating


def images(ctx, models=("tiny-sd", "lcm", "sdxs"), user=None):
    gen = ctx.repo.create_generation(user, "text_to_image", prompt="a fox")
    ctx.repo.set_generation_status(user, gen.id, "done", timings={"total": 1.5})
    return [ctx.repo.save_image(user, gen.id, Image.new("RGB", (16, 16), c), {"prompt": "a fox", "seed": i},
                                model_id=m, seed=i).id
            for i, (m, c) in enumerate(zip(models, ("red", "green", "blue", "white")))]


def test_compare_shows_details(ctx, app):
    demo, client = app
    ids = images(ctx)
    gallery, details = client.predict(", ".join(map(str, ids)), api_name="/compare")
    assert len(gallery) == 3 and {d["id"]: d["model"] for d in details} == dict(zip(ids, ["tiny-sd", "lcm", "sdxs"]))
    assert all(d["seconds"] == 1.5 and d["prompt"] == "a fox" and d["clip_score"] is not None for d in details)


def test_a_vote_updates_elo_per_user_and_overall(ctx, app):
    demo, client = app
    a, b = images(ctx, models=("tiny-sd", "lcm"))
    message, board = client.predict(f"{a} {b}", b, api_name="/vote")
    assert f"#{b}" in message
    rows = {(r[0], r[1]): r for r in board["data"]}
    assert rows[("model", "lcm")][2] == 1016.0 and rows[("model", "tiny-sd")][2] == 984.0
    assert rows[("model", "lcm")][4] == 1016.0 and rows[("model", "lcm")][5] == 1  # overall too
    client.predict(f"{a} {b}", b, api_name="/vote")  # again: 1016 vs 984
    expected_winner, _ = update(1016.0, 984.0)
    assert Rating.get((Rating.item == "lcm") & Rating.user.is_null()).rating == pytest.approx(expected_winner)
    assert Feedback.select().where(Feedback.kind == "vote").count() == 4  # +1 and -1 per vote


def test_export_writes_a_grid_and_its_json(ctx, app):
    demo, client = app
    ids = images(ctx)
    png, meta = client.predict(",".join(map(str, ids)), api_name="/export_comparison")
    assert Image.open(png).size == (48, 16)
    assert [d["id"] for d in json.load(open(meta))["images"]] == ids


@pytest.mark.parametrize("pick, message", [
    (lambda ids: (str(ids[0]), ids[0]), "Compare 2 to 4 images, not 1"),
    (lambda ids: (",".join(map(str, ids + [ids[0], ids[1]])), ids[0]), "appears twice"),
    (lambda ids: ("1 2 3 4 5", 1), "Compare 2 to 4 images, not 5"),
    (lambda ids: (f"{ids[0]} {ids[1]}", ids[2]), "Vote for one of the images compared"),
    (lambda ids: (f"{ids[0]} 9999", ids[0]), "No image 9999"),
])
def test_bad_votes_change_no_rating(ctx, app, pick, message):
    demo, client = app
    ids = images(ctx)
    text, winner = pick(ids)
    with pytest.raises(Exception, match=message):
        client.predict(text, winner, api_name="/vote")
    assert Rating.select().count() == 0


def test_someone_elses_or_an_unfinished_jobs_image_is_refused(ctx, app):
    demo, client = app
    mine = images(ctx, models=("tiny-sd", "lcm"))
    theirs = images(ctx, models=("tiny-sd", "lcm"), user="someone-else")
    with pytest.raises(Exception, match="No image"):
        client.predict(f"{mine[0]} {theirs[0]}", mine[0], api_name="/vote")
    stopped = ctx.repo.create_generation(None, "text_to_image")
    row = ctx.repo.save_image(None, stopped.id, Image.new("RGB", (8, 8)), {"prompt": "x"}, model_id="sdxs")
    ctx.repo.set_generation_status(None, stopped.id, "cancelled")
    with pytest.raises(Exception, match="did not finish"):
        client.predict(f"{mine[0]} {row.id}", mine[0], api_name="/vote")
    assert Rating.select().count() == 0


def test_images_are_ranked_by_clip_best_first(ctx, app):
    from neurocanvas.engines.ranking import ClipRanker

    demo, client = app
    ids = images(ctx, models=("tiny-sd", "lcm", "sdxs", "sd21"))
    gallery, details = client.predict(" ".join(map(str, ids)), api_name="/compare")
    clip = ctx.registry.get("tiny-clip")
    expected = ClipRanker(clip).scores([Image.open(ctx.repo.image_path(ctx.repo.image(None, i))) for i in ids],
                                       ["a fox"] * 4)
    by_id = dict(zip(ids, expected))
    assert [d["id"] for d in details] == sorted(ids, key=lambda i: -by_id[i])  # best match first
    assert [d["rank"] for d in details] == [1, 2, 3, 4] and details[0]["ranking"].startswith("Ranked by")
    assert all(abs(d["clip_score"] - by_id[d["id"]]) < 1e-3 for d in details)
    assert ctx.repo.image(None, ids[0]).clip_score is not None  # stored for next time


def test_without_clip_images_are_shown_unranked_with_the_pull_command(ctx, app):
    demo, client = app
    ctx.registry.catalog = {k: v for k, v in ctx.registry.catalog.items() if k != "tiny-clip"}
    ids = images(ctx)
    _, details = client.predict(" ".join(map(str, ids)), api_name="/compare")
    assert [d["id"] for d in details] == ids and "python -m neurocanvas pull clip-vit-b-32" in details[0]["ranking"]


def test_pull_clip_from_the_compare_tab_then_results_are_ranked(ctx, app, tiny_built):
    """The Pull CLIP button downloads the catalog's CLIP (here a tiny one, served by a fake hub) and ranking starts."""
    from tests.fakehub import FakeHub

    demo, client = app
    ctx.registry.catalog = {k: v for k, v in ctx.registry.catalog.items() if k != "tiny-clip"}
    ids = images(ctx)
    assert "unranked" in client.predict(" ".join(map(str, ids)), api_name="/compare")[1][0]["ranking"]
    with FakeHub() as hub:
        hub.add_repo("laion/CLIP-ViT-B-32-laion2B-s34B-b79K", tiny_built / "tiny-clip")
        ctx.registry.hub_endpoint = hub.url
        status = client.predict(api_name="/pull_clip")
    assert status.startswith("OpenCLIP ViT-B-32 (LAION-2B) is installed")
    _, details = client.predict(" ".join(map(str, ids)), api_name="/compare")
    assert [d["rank"] for d in details] == [1, 2, 3] and all(d["clip_score"] is not None for d in details)
    scores = [d["clip_score"] for d in details]
    assert scores == sorted(scores, reverse=True)


def test_pull_clip_without_a_network_says_so(ctx, app):
    demo, client = app
    ctx.registry.catalog = {k: v for k, v in ctx.registry.catalog.items() if k != "tiny-clip"}
    ctx.registry.hub_endpoint = "http://127.0.0.1:9"  # nothing listens there
    with pytest.raises(Exception, match="hub|reach|connect"):
        client.predict(api_name="/pull_clip")
    assert not ctx.registry.is_installed("clip-vit-b-32")

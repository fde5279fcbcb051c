"""Auto through the client API: plan, run the plan's models and seeds, restyle for a named painter, rank by CLIP."""
import re

import pytest

from neurocanvas.store.images import read_png_meta
from neurocanvas.store.tables import Generation, Image as ImageRow
from tests.ui.test_text_to_image import FORM


def test_plan_is_light_and_names_its_models(app):
    demo, client = app
    text, models, table = client.predict("a dragon over a castle", 2, api_name="/auto_plan")
    assert models == ["tiny-sd"] and "seed +1" in text and "fewer models installed than runs" in text
    assert [row[:3] for row in table["data"]] == [["tiny-sd", "", 0], ["tiny-sd", "", 1]]
    assert Generation.select().count() == 0


def test_auto_in_text_to_image_runs_and_ranks_by_clip(ctx, app):
    demo, client = app
    gallery, _, info, seed = client.predict(*{**FORM, "model": "auto", "batch": 2, "seed": 10}.values(),
                                            api_name="/text_to_image")
    assert len(gallery) == 2 and seed == 10 and "Ranked by Tiny OpenCLIP" in info
    scores = [float(re.search(r"CLIP (-?[\d.]+)", g["caption"]).group(1)) for g in gallery]
    assert scores == sorted(scores, reverse=True) and [g["caption"].split(" · ")[1][:2] for g in gallery] == ["1.", "2."]
    jobs = list(Generation.select().order_by(Generation.id))
    assert [(j.kind, j.status) for j in jobs] == [("text_to_image", "done")] * 2 + [("rank", "done")]  # CLIP: a job too
    assert sorted(r.seed for r in ImageRow.select()) == [10, 11]
    assert all(r.clip_score is not None for r in ImageRow.select())


def test_auto_with_a_random_seed_shows_the_seed_it_drew(ctx, app):
    demo, client = app
    _, _, _, seed = client.predict(*{**FORM, "model": "auto", "batch": 2, "seed": -1}.values(), api_name="/text_to_image")
    assert isinstance(seed, (int, float)) and seed >= 0
    assert sorted(r.seed for r in ImageRow.select()) == [int(seed), int(seed) + 1]


def test_generate_to_compare_restyles_for_a_named_painter(ctx, app):
    demo, client = app
    gallery, details, ids, info = client.predict("a quiet village at night, Van Gogh", "", [], 2,
                                                 api_name="/generate_to_compare")
    assert len(gallery) == 2 and len(ids.split(",")) == 2
    kinds = sorted(g.kind for g in Generation.select())
    assert kinds == ["rank", "style_transfer", "text_to_image"] and all(g.status == "done" for g in Generation.select())
    restyled = next(d for d in details if d["styles"])
    assert restyled["styles"] == ["starry-night"] and "restyled with Vincent van Gogh" in restyled["why"]
    meta = read_png_meta(ctx.repo.image_path(ImageRow.get_by_id(restyled["id"])))
    assert meta["prompt"] == "a quiet village at night, Van Gogh" and meta["method"] == "magenta-arbitrary"
    side_by_side, _ = client.predict(ids, api_name="/compare")  # the ids go straight into Compare
    assert len(side_by_side) == 2


def test_without_the_instant_package_the_restyle_falls_back_to_the_quick_method(ctx, app, monkeypatch):
    demo, client = app
    installed = ctx.registry.is_installed
    monkeypatch.setattr(ctx.registry, "is_installed", lambda model_id: model_id != "magenta-arbitrary"
                        and installed(model_id))
    _, details, _, _ = client.predict("a quiet village at night, Van Gogh", "", [], 2, api_name="/generate_to_compare")
    restyled = next(d for d in details if d["styles"])
    meta = read_png_meta(ctx.repo.image_path(ImageRow.get_by_id(restyled["id"])))
    assert meta["method"] == "efficientnet-lite0" and meta["steps"] == 60


def test_a_model_that_is_not_installed_is_refused_and_nothing_runs(app):
    demo, client = app
    with pytest.raises(Exception, match="sd-turbo.* is not in the list of choices"):  # only installed models are offered
        client.predict("a dragon", "", ["sd-turbo"], 2, api_name="/generate_to_compare")
    assert Generation.select().count() == 0


def test_generate_to_compare_runs_the_plan_as_edited_at_the_size_and_steps_asked(ctx, app):
    """Issue 15: Plan, edit the table (drop the restyle, change a seed offset), Generate runs exactly that."""
    demo, client = app
    _, _, table = client.predict("a quiet village at night, Van Gogh", 2, api_name="/auto_plan")
    assert table["data"][0][1] == "" and "Starry Night" in table["data"][1][1]  # a render, then its restyle
    planned = table["data"]
    edited = [planned[0], [planned[1][0], planned[1][1], 0, planned[1][3]], ["tiny-sd", "", 3, "one more seed"]]
    gallery, details, ids, info = client.predict("a quiet village at night, Van Gogh", "", [], 2,
                                                 {"headers": table["headers"], "data": edited}, 128, 3,
                                                 api_name="/generate_to_compare")
    assert len(gallery) == 3 and "Your plan: 3 run(s)" in info
    renders = [g for g in Generation.select() if g.kind == "text_to_image"]
    assert len(renders) == 2 and [g.kind for g in Generation.select()].count("style_transfer") == 1  # one restyle
    for g in renders:
        params = __import__("json").loads(g.params)
        assert (params["width"], params["height"], params["num_inference_steps"]) == (128, 128, 3)
    offsets = sorted({r.seed for r in ImageRow.select() if r.seed is not None})
    assert offsets[-1] - offsets[0] == 3  # the edited seed offset ran


@pytest.mark.parametrize("row, message", [
    (["sd-turbo", "", 0, ""], "sd-turbo is not installed"),
    (["tiny-sd", "Picasso", 0, ""], "no style preset called 'Picasso'"),
    (["tiny-sd", "", "x", ""], "seed offset must be a whole number"),
])
def test_a_bad_plan_row_is_refused_by_name_and_nothing_runs(app, row, message):
    demo, client = app
    with pytest.raises(Exception, match=message):
        client.predict("a dragon", "", [], 2, {"headers": ["Model", "Restyle with", "Seed offset", "Why"],
                                               "data": [row]}, 128, 0, api_name="/generate_to_compare")
    assert Generation.select().count() == 0

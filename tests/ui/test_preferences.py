"""Feedback, the bandit behind it, and recommendations, through the client API."""
import json

import pytest
from PIL import Image

from neurocanvas.personalize.rewards import reward, to_unit
from neurocanvas.store.repo import LOCAL_USER
from neurocanvas.store.tables import ArmStat, Feedback, Generation, Image as ImageRow


def image_of(ctx, user=None, model="tiny-sd"):
    return ctx.repo.save_image(user, None, Image.new("RGB", (8, 8), "red"), {"prompt": "x"}, model_id=model, seed=1)


def test_feedback_is_counted_once_and_teaches_the_bandit(ctx, app):
    demo, client = app
    image = image_of(ctx)
    assert "like recorded" in client.predict(image.id, "like", 0, api_name="/feedback")
    for _ in range(20):  # a flood of likes counts once
        assert "Already counted" in client.predict(image.id, "like", 0, api_name="/feedback")
    client.predict(image.id, "rating", 5, api_name="/feedback")
    client.predict(image.id, "favourite", 0, api_name="/feedback")
    assert Feedback.select().count() == 3
    arm = ArmStat.get((ArmStat.family == "model") & (ArmStat.arm == "tiny-sd"))
    assert arm.pulls == 3
    expected = sum(to_unit(reward(k, v)) for k, v in (("like", 0), ("rating", 5), ("favourite", 0)))
    assert arm.reward_sum == pytest.approx(expected)  # statistics agree with the feedback table
    assert ctx.repo.image(None, image.id).favourite


@pytest.mark.parametrize("args, message", [
    ((1, "rating", 0), "1 to 5 stars"),
    ((1, "rating", 6), "1 to 5 stars"),
    ((1, "hug", 0), "Unknown feedback"),
    ((999, "like", 0), "No image 999"),
    ((1, "vote", 1), "Votes are cast in Compare"),  # issue 14: 20 of these counted 20 rewards
])
def test_bad_feedback_is_refused(ctx, app, args, message):
    demo, client = app
    image_of(ctx)
    with pytest.raises(Exception, match=message):
        client.predict(*args, api_name="/feedback")
    assert Feedback.select().count() == 0 and ArmStat.select().count() == 0


def test_feedback_on_someone_elses_image_is_refused(ctx, app):
    demo, client = app
    theirs = image_of(ctx, user="someone-else")
    with pytest.raises(Exception, match="No image"):
        client.predict(theirs.id, "like", 0, api_name="/feedback")
    assert Feedback.select().count() == 0


def test_recommendation_says_why(ctx, app):
    demo, client = app
    assert "ucb1" in client.predict("ucb1", 0.1, api_name="/set_algorithm")
    answer = client.predict(api_name="/recommend")
    assert answer["algorithm"] == "ucb1"
    assert answer["model"] == {"choice": "tiny-sd", "reason": "the only one installed"}
    assert answer["style"]["choice"] and answer["style"]["reason"] == "chosen for you: not tried yet"
    assert answer["mood"]["reason"].startswith("chosen for you")


def test_the_ab_assignment_is_made_once_at_user_creation_and_reads_never_write(ctx, app):
    from neurocanvas.personalize.bandits import assigned
    from neurocanvas.store.tables import User

    demo, client = app
    assert not User.select().exists()
    client.predict(api_name="/recommend")  # a new user's first visit creates the user, with the assignment
    settings = json.loads(User.get(User.name == LOCAL_USER).settings)
    assert settings == {"ab_assigned": True, "algorithm": assigned(LOCAL_USER)}
    User.update(settings=json.dumps({"epsilon": 0.2})).where(User.name == LOCAL_USER).execute()  # made before
    for endpoint in ("/recommend", "/preferences", "/suggest_style"):
        client.predict(api_name=endpoint)
    assert json.loads(User.get(User.name == LOCAL_USER).settings) == {"epsilon": 0.2}  # nothing written on reads
    assert client.predict(api_name="/recommend")["algorithm"] == assigned(LOCAL_USER)


def test_preferences_chart_and_report(ctx, app):
    demo, client = app
    client.predict(image_of(ctx).id, "rating", 5, api_name="/feedback")
    models, styles, moods, colours, subjects = client.predict(api_name="/preferences")
    assert models["columns"] == ["model", "average reward", "reactions"] and models["data"] == [["tiny-sd", 1.0, 1]]
    assert styles["data"] == [] and colours["columns"][0] == "colour"
    report = client.predict(api_name="/algorithm_report")
    assert report["data"][0][1] == 1


def made(ctx, prompt, kind="text_to_image", styles=None, user=None, model="tiny-sd"):
    """A finished job with one image, as the tabs leave them."""
    params = {"styles": styles} if styles else {}
    job = ctx.repo.create_generation(user, kind, prompt, params=params, model_ids=[model])
    [row] = ctx.repo.save_images(user, job.id, [(Image.new("RGB", (8, 8), "blue"), {"prompt": prompt}, model, 1)])
    ctx.repo.set_generation_status(user, job.id, "done")
    return row


def test_a_result_left_alone_counts_as_a_skip_when_the_next_job_starts(ctx, app):
    from tests.ui.test_text_to_image import FORM

    demo, client = app
    client.predict(*{**FORM, "seed": 1}.values(), api_name="/text_to_image")
    assert Feedback.select().count() == 0
    client.predict(*{**FORM, "seed": 2}.values(), api_name="/text_to_image")
    [skip] = Feedback.select()
    assert skip.kind == "skip" and skip.reward == -0.2 and skip.image.seed == 1
    arm = ArmStat.get((ArmStat.family == "model") & (ArmStat.arm == "tiny-sd"))
    assert arm.pulls == 1 and arm.reward_sum == pytest.approx(to_unit(-0.2))
    client.predict(*{**FORM, "seed": 3}.values(), api_name="/text_to_image")  # seed 2 skipped too, seed 1 not twice
    assert sorted(f.image.seed for f in Feedback.select()) == [1, 2]


def test_corrupt_arm_statistics_are_rebuilt_from_the_feedback(ctx, app):
    demo, client = app
    a, b = made(ctx, "a red rose, calm"), made(ctx, "a storm at sea, dramatic, dark blue")
    client.predict(a.id, "rating", 5, api_name="/feedback")
    client.predict(b.id, "like", 0, api_name="/feedback")
    client.predict(b.id, "rating", 1, api_name="/feedback")
    before = {(r.family, r.arm): (r.pulls, r.reward_sum) for r in ArmStat.select()}
    ArmStat.update(pulls=-5, alpha=-3.0).where(ArmStat.family == "model").execute()  # SQLite stores NaN as NULL
    answer = client.predict(api_name="/recommend")  # works, and repairs
    assert answer["model"]["choice"] == "tiny-sd"
    after = {(r.family, r.arm): (r.pulls, pytest.approx(r.reward_sum)) for r in ArmStat.select()}
    assert after == before
    expected = sum(to_unit(f.reward) for f in Feedback.select())  # recomputed from the feedback table
    assert ArmStat.get(ArmStat.family == "model").reward_sum == pytest.approx(expected)
    assert {f for f, _ in before} >= {"model", "mood", "colour"}


def test_for_you_trending_and_explore(ctx, app):
    demo, client = app
    liked = made(ctx, "a snowy mountain lake at sunrise, pine trees")
    client.predict(liked.id, "favourite", 0, api_name="/feedback")
    restyle = made(ctx, "udnie", kind="style_transfer", styles=["udnie"], model="efficientnet-lite0")
    client.predict(restyle.id, "like", 0, api_name="/feedback")
    answer = client.predict(api_name="/recommend")
    top = answer["for_you"][0]
    from neurocanvas.handlers.prompt_lab import load_templates

    assert top["text"] in load_templates()["landscape"] and "snowy mountain lake" in top["reason"]
    scores = [s["score"] for s in answer["for_you"]]
    assert scores == sorted(scores, reverse=True) and len(scores) == 5
    assert answer["trending_styles"][0]["style"] == "udnie"
    assert answer["explore"]["style"]["choice"] != "udnie" and "not tried" in answer["explore"]["style"]["reason"]


def test_prompts_liked_by_similar_users_are_recommended(ctx, app):
    demo, client = app
    from neurocanvas.handlers.preferences import PreferencesHandler

    prefs = PreferencesHandler(ctx)
    for user, verdict, prompt in (("twin", 5, "a neon city at night, rain"), ("opposite", 1, "a pastel meadow")):
        image = made(ctx, prompt, user=user)
        prefs.record(user, image.id, "rating", verdict)
        other = made(ctx, f"{prompt}, again", user=user)
        prefs.record(user, other.id, "rating", 5 if verdict == 5 else 4)
    mine = made(ctx, "a neon city at night, rain")
    client.predict(mine.id, "rating", 5, api_name="/feedback")
    private = "a neon city at night, rain, again"
    similar = client.predict(api_name="/recommend")["from_similar_users"]
    assert private not in str(similar)  # another user's prompt is theirs (issue 14): only tags, counted
    assert all("similar taste" in s["reason"] for s in similar)
    assert all(s["text"].split(": ")[0] in ("model", "style", "mood", "colour", "subject") for s in similar)
    shared = ImageRow.select().join(Generation).where(Generation.prompt == private).get()
    prefs.record("twin", shared.id, "share")  # what twin chose to share may be shown
    similar = client.predict(api_name="/recommend")["from_similar_users"]
    assert [s["text"] for s in similar if "shared" in s["reason"]] == [private]
    assert "a pastel meadow" not in str(similar)  # the user with the opposite taste is not a neighbour
    ctx.files.stop_sharing("twin", shared.id)  # no longer shared: no longer shown
    assert private not in str(client.predict(api_name="/recommend")["from_similar_users"])


def test_the_style_tab_suggests_a_style_chosen_for_you(ctx, app):
    demo, client = app
    preset, why = client.predict(api_name="/suggest_style")
    assert preset in ctx.registry.catalog or preset  # a preset id
    assert why.startswith("Style chosen for you") and "not tried yet" in why
    client.predict("thompson", 0.1, api_name="/set_algorithm")  # a sampling bandit: random on every call
    picks = {client.predict(api_name="/suggest_style")[0] for _ in range(6)}
    assert len(picks) == 1  # a page reload shows the same suggestion until the user reacts again


def test_preset_order_is_chosen_for_you(ctx, app):
    """The presets' categories follow the user's bandit over the subjects of the images they reacted to."""
    demo, client = app
    client.predict("epsilon_greedy", 0.0, api_name="/set_algorithm")
    fresh = client.predict(api_name="/preset_order")
    assert "chosen for you (not tried yet)" in fresh[1]  # every subject is untried: the first one comes first
    prompts = {"portrait": "portrait of an old fisherman, oil painting", "landscape": "a mountain lake with pine trees",
               "abstract": "abstract geometric shapes and swirls", "fantasy": "a dragon over a wizard's castle",
               "sci-fi": "a robot astronaut on an alien planet, spaceship"}
    for category, prompt in prompts.items():
        image = made(ctx, prompt)
        client.predict(image.id, "favourite" if category == "portrait" else "skip", 0, api_name="/feedback")
    concepts = {r.arm: r.pulls for r in ArmStat.select().where(ArmStat.family == "concept")}
    assert concepts == {"portrait": 1, "nature": 1, "abstract": 1, "fantasy": 1, "sci-fi": 1}
    dataset, reason = client.predict(api_name="/preset_order")
    assert "**portrait** first, chosen for you (your best-rated so far (100% average))" in reason
    samples = dataset["samples"] if isinstance(dataset, dict) else dataset
    assert [row[0] for row in samples][:5] == ["portrait"] * 5
    assert {row[0] for row in samples} == set(prompts)


def test_share_gives_a_link_that_serves_the_image(ctx, app):
    import urllib.request

    demo, client = app
    image = made(ctx, "a lighthouse")
    message = client.predict(image.id, "share", 0, api_name="/feedback")
    link = message.split("Link (copied): ")[1].split()[0]
    origin = demo.local_url.rstrip("/")
    assert (f'<a href="{origin}{link}"><img src="{origin}{link}" alt="a lighthouse" width="{image.width}" '
            f'height="{image.height}" loading="lazy"></a>') in message  # the embed snippet, with the full address
    with urllib.request.urlopen(demo.local_url.rstrip("/") + link) as answer:
        assert answer.status == 200 and answer.read()[:4] == b"\x89PNG"
    assert link in client.predict(image.id, "share", 0, api_name="/feedback")  # again: counted once, same link


def test_the_reactions_bar_finds_the_result():
    from neurocanvas.ui.feedback_bar import first_result

    assert first_result([("a.png", "#12 · seed 3 · tiny-sd"), ("b.png", "#13 · seed 4 · tiny-sd")]) == 12
    assert first_result([{"image": {}, "caption": "#7 · 1. lcm"}]) == 7 and first_result(None) is None


def test_the_embed_snippet_escapes_the_prompt(ctx, app):
    demo, client = app
    image = made(ctx, 'a "fox" <script>alert(1)</script>')
    message = client.predict(image.id, "share", 0, api_name="/feedback")
    assert 'alt="a &quot;fox&quot; &lt;script&gt;alert(1)&lt;/script&gt;"' in message and "<script>" not in message

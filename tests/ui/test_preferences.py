"""Feedback, the bandit behind it, and recommendations, through the client API."""
import pytest
from PIL import Image

from neurocanvas.personalize.rewards import reward, to_unit
from neurocanvas.store.tables import ArmStat, Feedback


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
    assert answer["model"]["choice"] == "tiny-sd" and answer["model"]["reason"].startswith("chosen for you")
    assert answer["style"]["choice"] and answer["style"]["reason"] == "chosen for you: not tried yet"


def test_preferences_chart_and_report(ctx, app):
    demo, client = app
    client.predict(image_of(ctx).id, "rating", 5, api_name="/feedback")
    chart = client.predict(api_name="/preferences")
    assert chart["columns"] == ["model", "feedback", "mean reward"] and chart["data"] == [["tiny-sd", 1, 1.0]]
    report = client.predict(api_name="/algorithm_report")
    assert report["data"][0][1] == 1

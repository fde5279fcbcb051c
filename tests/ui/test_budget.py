"""'Ready in N seconds' through the client API with the tiny pipeline (issue 20): calibrate once, then a budget
gives a plan from this machine's own timings; calibration saves no image."""
import pytest

from neurocanvas.store.tables import Generation, Image as ImageRow
from tests.ui.test_text_to_image import generate


def test_calibrate_then_plan(ctx, app):
    demo, client = app
    with pytest.raises(Exception, match="no timings yet: press Calibrate"):
        client.predict("5 s", api_name="/plan_budget")
    line = client.predict(api_name="/calibrate")
    assert line.startswith("Calibrated (1 model(s) timed)")
    job = Generation.get(Generation.kind == "calibrate")
    assert job.status == "done" and '"calibration"' in job.timings and ImageRow.select().count() == 0
    plan = client.predict("60 s", api_name="/plan_budget")
    assert plan["model_id"] == "tiny-sd" and plan["width"] == plan["height"] == 64 and plan["steps"] == 2  # its default: more steps when they fit
    assert 0 < plan["predicted_s"] <= 60 and plan["plan"].startswith("For the 60 s budget: Tiny SD (test)")
    best = client.predict("best quality", api_name="/plan_budget")
    assert best["budget_s"] is None and best["steps"] == 2  # the catalog's own steps


def test_finished_renders_are_timings_too(ctx, app):
    demo, client = app
    generate(client, steps=2)
    assert client.predict("15 s", api_name="/plan_budget")["model_id"] == "tiny-sd"


@pytest.mark.parametrize("budget, message", [("soon", "Choose a budget"), ("-3", "above 0"),
                                             ("0.000001", "No installed model is ready in 1e-06 s")])
def test_bad_or_impossible_budgets_are_refused_with_what_is_possible(ctx, app, budget, message):
    demo, client = app
    generate(client, steps=2)
    with pytest.raises(Exception, match=message):
        client.predict(budget, api_name="/plan_budget")

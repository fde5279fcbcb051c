"""A full heavy queue refuses new renders with a message, and never the light calls."""
import dataclasses
import time

import pytest

from neurocanvas.store.tables import Generation
from tests.conftest import wait_until
from tests.ui.test_text_to_image import FORM


@pytest.fixture
def settings(settings):
    return dataclasses.replace(settings, local_worker=False, queue_size=2, max_jobs_per_user=2)  # jobs wait forever


def test_a_full_queue_refuses_a_render_and_still_answers_light_calls(app):
    demo, client = app
    waiting = [client.submit(*{**FORM, "seed": seed}.values(), api_name="/text_to_image") for seed in (1, 2)]
    assert wait_until(lambda: Generation.select().count() == 2)
    with pytest.raises(Exception, match="already have 2 jobs waiting or running"):
        client.predict(*{**FORM, "seed": 3}.values(), api_name="/text_to_image")
    assert Generation.select().count() == 2
    started = time.monotonic()
    analysis = client.predict("a red fox in snow, oil painting", api_name="/analyze_prompt")
    gallery = client.predict(1, "", "", False, "", "", "newest", api_name="/gallery")
    profile = client.predict(api_name="/profile")
    assert analysis["keywords"] and gallery is not None and profile is not None
    assert time.monotonic() - started < 20  # answered while two renders wait (no speed is asserted)
    table = client.predict(api_name="/jobs")
    assert [row[2:4] for row in table["data"]] == [["waiting", 1], ["waiting", 2]]
    for row in Generation.select():
        client.predict(row.id, api_name="/cancel_job")
    assert wait_until(lambda: all(job.done() for job in waiting))
    assert {row.status for row in Generation.select()} == {"cancelled"}

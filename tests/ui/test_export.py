"""Profile > Models > Export for OpenVINO through the client API: a queued job, then renders on the export."""
import pytest

from neurocanvas.store.images import read_png_meta
from neurocanvas.store.tables import Generation, Image as ImageRow
from tests.ui.test_text_to_image import generate


def backend_column(table) -> dict:
    return {row[0]: row[4] for row in table["data"]}


def test_export_then_render_on_openvino(ctx, app):
    demo, client = app
    assert backend_column(client.predict(api_name="/models"))["tiny-sd"] == "torch"
    message, table = client.predict("tiny-sd", False, api_name="/export_openvino")
    assert "Tiny SD (test) exported for openvino" in message
    assert backend_column(table)["tiny-sd"] == "openvino (exported: openvino)"
    job = Generation.get(Generation.kind == "export_openvino")
    assert job.status == "done" and ImageRow.select().count() == 0
    assert (ctx.registry.models_dir / "tiny-sd" / "openvino" / "unet.xml").exists()
    generate(client, seed=11)
    meta = read_png_meta(ctx.repo.image_path(ImageRow.get()))
    assert meta["backend"] == "openvino" and meta["seed"] == 11


def test_export_refuses_what_has_no_unet_and_queues_nothing(app):
    demo, client = app
    with pytest.raises(Exception, match="not a text-to-image model"):
        client.predict("tiny-clip", False, api_name="/export_openvino")
    with pytest.raises(Exception, match="Choose a model to export"):
        client.predict("", True, api_name="/export_openvino")
    assert Generation.select().count() == 0

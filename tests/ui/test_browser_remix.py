"""In a real browser (issue 20): a gallery image starts Image to image in the Text to image tab, its result names
it as parent; ticked gallery images download as one zip."""
import zipfile
from pathlib import Path

from tests.ui.conftest import pick_in_gallery

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"


def test_a_gallery_image_starts_image_to_image(ctx, page):
    from PIL import Image

    parent = ctx.repo.save_image(None, None, Image.new("RGB", (64, 64), "teal"), {"prompt": "teal"}, model_id="tiny-sd")
    page.get_by_role("tab", name="Profile").click()
    page.get_by_role("tab", name="Gallery").click()
    page.get_by_role("button", name="Show").click()
    pick_in_gallery(page, 0, parent.id)
    details = page.locator("#profile-details")  # a labelled table, not a JSON tree
    details.get_by_text("Prompt", exact=True).wait_for(timeout=15_000)
    assert "teal" in details.inner_text() and "tiny-sd" in details.inner_text() and "{" not in details.inner_text()
    page.locator("#gallery-i2i").click()
    page.get_by_text(f"Starting from gallery image #{parent.id}").wait_for(timeout=30_000)  # in Text to image now
    page.locator("#t2i-prompt textarea").fill("a teal sea")
    page.locator("#i2i-generate").click()
    page.locator("#t2i-info").get_by_text(f"From image #{parent.id} at strength 0.6").wait_for(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "image_to_image.png"), full_page=True)
    child = max(ctx.repo.images(None, per_page=100), key=lambda r: r.id)
    assert child.id != parent.id and child.parent_id == parent.id


def test_ticked_gallery_images_download_as_a_zip(ctx, page, tmp_path):
    from PIL import Image

    rows = [ctx.repo.save_image(None, None, Image.new("RGB", (32, 32), c), {"prompt": c}, model_id="tiny-sd")
            for c in ("red", "blue")]
    page.get_by_role("tab", name="Profile").click()
    page.get_by_role("tab", name="Gallery").click()
    page.get_by_role("button", name="Show").click()
    page.get_by_text("Download several as a zip").click()
    page.locator("#zip-ticks").get_by_text(f"#{rows[1].id} ·").wait_for(timeout=15_000)
    page.get_by_role("button", name="Tick all").click()
    page.wait_for_function("document.querySelectorAll('#zip-ticks input:checked').length === 2", timeout=15_000)
    page.locator("#zip-go").click()
    page.locator("#zip-line").get_by_text("2 image(s) zipped").wait_for(timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / "zip_ready.png"), full_page=True)
    with page.expect_download() as download:
        page.locator("#zip-file a").first.click()
    saved = tmp_path / "got.zip"
    download.value.save_as(saved)
    assert sorted(zipfile.ZipFile(saved).namelist()) == sorted([f"image-{r.id}.png" for r in rows] + ["index.json"])


def test_a_time_budget_calibrates_on_first_use_then_fills_the_form(ctx, page):
    page.get_by_role("tab", name="Text to image").click()
    page.locator("#t2i-budget").get_by_text("60 s").click()
    page.locator("#t2i-plan").get_by_text("For the 60 s budget: Tiny SD (test), 2 step(s) at 64x64").wait_for(
        timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "time_budget.png"), full_page=True)
    from neurocanvas.store.tables import Generation

    assert Generation.get(Generation.kind == "calibrate").status == "done"  # it timed the model first
    page.get_by_role("button", name="Calibrate (10-30 s)").click()  # again, by hand: all models are timed anew
    page.locator("#t2i-plan").get_by_text("Calibrated (1 model(s) timed)").wait_for(timeout=60_000)

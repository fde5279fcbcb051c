"""In a real browser: an image picked in the gallery is edited, saved as a new image, reopened and undone."""
from pathlib import Path

from tests.ui.conftest import pick_in_gallery

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"


def newest_id(ctx) -> int:
    return max(row.id for row in ctx.repo.images(None, per_page=100))


def test_an_edit_is_saved_reopened_and_undone(ctx, page):
    from PIL import Image

    original = ctx.repo.save_image(None, None, Image.new("RGB", (96, 64), "orange"), {"prompt": "orange"},
                                   model_id="tiny-sd", seed=4)
    page.get_by_role("tab", name="Profile").click()
    page.get_by_role("tab", name="Gallery").click()
    page.get_by_role("button", name="Show").click()
    pick_in_gallery(page, 0, original.id)
    page.get_by_text("Edit the picked image").click()
    page.locator("#edit-open").click()
    steps = page.locator("#edit-steps")
    steps.get_by_text("No edit yet").wait_for(timeout=15_000)
    page.get_by_role("button", name="Rotate ⟳ 90°").click()
    steps.get_by_text("1. rotate -90°").wait_for(timeout=15_000)
    page.locator("#edit-save").click()
    page.locator("#edit-answer").get_by_text(f"made from image #{original.id}").wait_for(timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / "edit_saved.png"), full_page=True)
    edited = ctx.repo.image(None, newest_id(ctx))
    assert edited.id != original.id and edited.parent_id == original.id and (edited.width, edited.height) == (64, 96)

    page.locator("#feedback-image input").fill(str(edited.id))  # pick the edited image and edit it again
    page.locator("#edit-open").click()
    steps.get_by_text("1. rotate -90°").wait_for(timeout=15_000)  # it reopens as its original with its step
    page.wait_for_function("!document.querySelector('#edit-answer').innerText.includes('Saved')", timeout=10_000)
    page.get_by_role("button", name="Undo last step").click()
    steps.get_by_text("No edit yet").wait_for(timeout=15_000)
    page.locator("#edit-save").click()
    page.get_by_text("There is nothing to save").first.wait_for(timeout=15_000)  # the original, unchanged
    assert newest_id(ctx) == edited.id
    page.get_by_role("button", name="Flip ↔").click()
    steps.get_by_text("1. flip horizontal").wait_for(timeout=15_000)
    page.locator("#edit-save").click()
    page.locator("#edit-answer").get_by_text(f"made from image #{original.id} with 1 step(s)").wait_for(timeout=15_000)
    redone = ctx.repo.image(None, newest_id(ctx))
    assert redone.parent_id == original.id and (redone.width, redone.height) == (96, 64)
    assert ctx.repo.image(None, original.id).sha256 == original.sha256  # the original is never rewritten

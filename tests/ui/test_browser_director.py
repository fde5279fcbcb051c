"""In a real browser (issue 19): the Art director refines, renders the versions at one seed, lets a CLIP with known
scores look at them, refines from what the image missed, merges two versions and sends the images to Compare."""
import re
from pathlib import Path

import pytest

from neurocanvas.store.tables import Conversation, DirectorVersion
from tests.fixtures import build_predictable_clip

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"
PROMPT = "oil painting of a lighthouse in a storm"
GOLDEN = "a lighthouse, golden hour, watercolour"


@pytest.fixture
def ctx(ctx):
    """The tiny CLIP replaced by one that sees every word but 'lighthouse'."""
    build_predictable_clip(ctx.registry.models_dir / "tiny-clip", unseen=("lighthouse",))
    return ctx


def _value(page, selector: str) -> str:
    return page.locator(selector).input_value()


def _pick(page, dropdown: str, option: str) -> None:
    """Choose `option` in a Gradio dropdown: open it, then click the listed choice."""
    page.locator(f"{dropdown} input").click()
    page.locator(dropdown).get_by_role("option", name=option, exact=True).click()


def test_the_director_loop_in_the_browser(ctx, page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.get_by_role("tab", name="Art director").click()
    page.locator("#director-working textarea").fill(PROMPT)
    page.locator("#director-refine").click()  # the quick action 'refine' with the tiny LLM
    page.wait_for_function("document.querySelector('#director-candidate textarea')?.value.trim() !== ''",
                           timeout=60_000)
    refined = _value(page, "#director-candidate textarea")
    assert refined in _value(page, "#director-to-render textarea")  # a refinement fills the versions to render

    page.locator("#director-to-render textarea").fill("\n".join([PROMPT, GOLDEN, refined]))
    page.get_by_label("Seed (-1: random)").fill("1234")
    page.locator("#director-generate").click()
    page.locator("#director-render-line").get_by_text("seed 1234").wait_for(timeout=120_000)
    page.locator("#director-verdict").get_by_text("Best match").wait_for(timeout=60_000)  # CLIP looked at once
    assert page.locator("#director-gallery img").count() >= 3
    looks = page.locator("#director-looks").inner_text()
    assert "lighthouse 0.00" in looks and "oil painting 1.00" in looks
    rows = list(DirectorVersion.select().order_by(DirectorVersion.id))
    assert [r.seed for r in rows] == [1234] * 3 and all(r.image_id for r in rows)  # each look pinned to its image
    page.screenshot(path=str(ARTIFACTS / "director_loop.png"), full_page=True)

    page.wait_for_function("document.querySelector('#director-version input')?.value.startsWith('v')",
                           timeout=30_000)  # after the look, the best match is picked to refine from
    painting = next(r for r in rows if r.prompt == PROMPT)
    _pick(page, "#director-version", f"v{painting.id} (rendered): {PROMPT}")
    page.locator("#director-from-result").click()
    page.get_by_text(f"From version {painting.id} (image #{painting.image_id}): The image shows").wait_for(timeout=60_000)
    assert "not 'lighthouse'" in page.get_by_text(f"From version {painting.id}").inner_text()
    assert DirectorVersion.select().order_by(DirectorVersion.id.desc()).get().origin == "from result"

    page.get_by_text("Merge two versions").click()
    _pick(page, "#director-first", PROMPT)
    _pick(page, "#director-second", GOLDEN)
    page.locator("#director-picks").get_by_text("golden hour", exact=True).click()
    page.locator("#director-merge").click()
    page.wait_for_function(f"document.querySelector('#director-candidate textarea')?.value === '{PROMPT}, golden hour'",
                           timeout=30_000)
    assert DirectorVersion.select().order_by(DirectorVersion.id.desc()).get().origin == "merged"
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=str(ARTIFACTS / "director_loop_375.png"), full_page=True)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("#director-to-compare").click()
    page.wait_for_function("document.querySelectorAll('#compare-ticks input:checked').length === 3", timeout=30_000)
    page.locator("#compare-run").click()
    page.wait_for_function("document.querySelectorAll('#compare-gallery img').length >= 3", timeout=60_000)

    page.get_by_role("tab", name="Art director").click()  # a new conversation, then the past one reopened
    page.get_by_role("button", name="New", exact=True).click()
    page.wait_for_function("document.querySelectorAll('#director-gallery img').length === 0", timeout=30_000)
    title = Conversation.get().title
    page.locator("#director-past input").click()
    page.locator("#director-past").get_by_role("option", name=re.compile("^" + re.escape(title))).click()
    page.wait_for_function("document.querySelectorAll('#director-gallery img').length >= 3", timeout=30_000)
    assert "lighthouse 0.00" in page.locator("#director-looks").inner_text()  # the looks came back with it

"""A real browser (Debian's Chromium driven by Playwright) opens every tab and saves a screenshot."""
import re
from pathlib import Path

from neurocanvas.handlers.status import TABS
from tests.ui.conftest import pick_in_gallery

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"
TAB_KEYS = {"Style transfer": "style_transfer", "Text to image": "text_to_image", "Prompt lab": "prompt_lab",
            "Compare & vote": "compare", "Art director": "director", "Profile": "profile"}


def test_every_tab_opens_and_is_screenshotted(page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.get_by_text("NeuroCanvas").first.wait_for(timeout=30_000)
    for label, key in TAB_KEYS.items():
        page.get_by_role("tab", name=label).click()
        if key == "text_to_image":
            page.locator("#t2i-model-status").get_by_text("is ready").wait_for(timeout=15_000)
        elif key in TABS:
            status = page.locator(f"#{key}-status")
            status.get_by_text(TABS[key][0]).wait_for(timeout=15_000)
            assert "model ready" in status.inner_text()
        else:
            page.get_by_role("tab", name="Models").click()
            page.get_by_text("sd-turbo").first.wait_for(timeout=15_000)
        shot = ARTIFACTS / f"{key}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
    page.set_viewport_size({"width": 375, "height": 800})  # a phone: every tab again, nothing wider than the screen
    widths = {}
    for label, key in TAB_KEYS.items():
        open_tab(page, label)
        page.wait_for_timeout(500)
        widths[key] = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(ARTIFACTS / f"{key}_375.png"), full_page=True)
    assert all(width <= 375 for width in widths.values()), widths


def open_tab(page, label: str) -> None:
    """A top-level tab, also on a phone, where Gradio moves the tabs that do not fit into a 'More tabs' menu."""
    tab = page.get_by_role("tab", name=label)
    if tab.count() and tab.first.is_visible():
        tab.first.click()
        return
    page.get_by_role("button", name="More tabs").click()
    page.locator(".overflow-dropdown button", has_text=label).click()
    page.wait_for_function(f"[...document.querySelectorAll('[role=tab][aria-selected=true]')]"
                           f".some(t => t.innerText.trim() === {label!r})", timeout=10_000)


def test_pull_from_the_models_panel_shows_the_answer(page):
    page.get_by_role("tab", name="Profile").click()
    page.get_by_role("tab", name="Models").click()
    page.locator("#models-choice input").fill("nope")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Pull").click()
    page.get_by_text("Unknown model 'nope'").first.wait_for(timeout=15_000)


def test_stats_are_numbers_and_a_chart(ctx, page):
    from PIL import Image

    for colour in ("red", "blue"):
        ctx.repo.save_image(None, None, Image.new("RGB", (32, 32), colour), {"prompt": colour}, model_id="tiny-sd")
    page.get_by_role("tab", name="Profile").click()
    page.get_by_role("tab", name="Stats").click()
    page.locator("#profile-stats").get_by_text("2 images").wait_for(timeout=15_000)
    page.locator("#profile-per-model").get_by_text("tiny-sd").first.wait_for(timeout=15_000)
    assert "{" not in page.locator("#profile-stats").inner_text()  # no JSON tree


def test_an_installed_model_reads_installed_and_offers_remove(page):
    page.get_by_role("tab", name="Profile").click()
    page.get_by_role("tab", name="Models").click()
    page.locator("#models-choice input").fill("tiny-sd")
    page.keyboard.press("Enter")
    page.locator("#model-pull").get_by_text("Installed", exact=True).wait_for(timeout=15_000)
    assert page.locator("#model-pull").is_disabled() and page.locator("#model-remove").is_visible()
    page.locator("#models-choice input").fill("minilm")  # ships in a package: pip removes it, not the studio
    page.keyboard.press("Enter")
    page.locator("#model-pull").get_by_text("Installed (in a package)").wait_for(timeout=15_000)
    assert not page.locator("#model-remove").is_visible()


def test_export_for_openvino_from_the_models_panel(ctx, page):
    """Issue 18: the export row shows for an installed text-to-image model only; its job ends in the table."""
    page.get_by_role("tab", name="Profile").click()
    page.get_by_role("tab", name="Models").click()
    page.locator("#models-choice input").fill("minilm")
    page.keyboard.press("Enter")
    page.locator("#model-pull").get_by_text("Installed (in a package)").wait_for(timeout=15_000)
    assert not page.locator("#model-export").is_visible()  # embeddings have no UNet
    page.locator("#models-choice input").fill("tiny-sd")
    page.keyboard.press("Enter")
    page.locator("#model-export").wait_for(state="visible", timeout=15_000)
    page.locator("#model-export").click()
    page.locator("#pull-result").get_by_text("exported for openvino").wait_for(timeout=60_000)
    # the catalog table's backend column (Gradio's table keeps cell text in hidden wrappers too: attached, not visible)
    page.get_by_text("openvino (exported: openvino)").first.wait_for(state="attached", timeout=15_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "models_exported.png"), full_page=True)
    assert (ctx.registry.models_dir / "tiny-sd" / "openvino" / "meta.json").exists()


def test_prompt_lab_analyses_on_ctrl_enter_and_shows_markup_as_text(page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.get_by_role("tab", name="Prompt lab").click()
    box = page.locator("#prompt-lab-input textarea")
    text = "<b>bold</b> a serene misty lake at golden hour, watercolor, crimson and teal, wide shot"
    box.fill(text)
    page.get_by_text(f"{len(text)} / 2000 characters").wait_for(timeout=5_000)
    box.press("Control+Enter")
    page.locator(".nc-swatch").first.wait_for(timeout=60_000)  # first call loads MiniLM
    assert page.locator(".nc-swatch").count() >= 5
    page.get_by_text("golden hour").first.wait_for()
    page.get_by_role("button", name="Enhance", exact=True).click()
    page.get_by_text("added").first.wait_for(timeout=10_000)
    page.screenshot(path=str(ARTIFACTS / "prompt_lab_analysis.png"), full_page=True)
    assert page.locator("b", has_text="bold").count() == 0  # the user's markup is never rendered
    page.get_by_text("<b>bold</b> a serene misty lake").first.wait_for(timeout=10_000)  # shown as text in history


def test_text_to_image_shows_a_generated_image(page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.get_by_role("tab", name="Text to image").click()
    results = page.locator("#t2i-gallery")
    assert "Drop" not in results.inner_text() and results.locator("input[type=file]").count() == 0  # output only
    page.locator("#t2i-prompt textarea").fill("a lighthouse at dusk, oil painting")
    page.locator("#t2i-generate").click()
    page.locator("#t2i-gallery img").first.wait_for(timeout=60_000)
    page.locator("#t2i-info").get_by_text("image(s) in").wait_for(timeout=10_000)
    page.screenshot(path=str(ARTIFACTS / "text_to_image_result.png"), full_page=True)
    assert page.locator("#t2i-gallery img").count() >= 1


def test_a_result_is_liked_and_shared_where_it_was_made(ctx, page):
    """The reactions bar under Text to image's results acts on the first result, or the one clicked."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("tab", name="Text to image").click()
    page.locator("#t2i-prompt textarea").fill("a red fox in the snow")
    page.locator("#t2i-generate").click()
    page.locator("#t2i-info").get_by_text("image(s) in").wait_for(timeout=60_000)
    [image] = ctx.repo.images(None)
    page.wait_for_function("(id) => document.querySelector('#t2i-picked input')?.value == id", arg=image.id,
                           timeout=10_000)
    page.get_by_role("button", name="Like").first.click()
    page.locator("#t2i-feedback-thanks").get_by_text(f"like recorded for image #{image.id}").wait_for(timeout=15_000)
    page.get_by_role("button", name="Share (copy link)").first.click()
    page.locator("#t2i-feedback-thanks").get_by_text("Link (copied)").wait_for(timeout=15_000)
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("http://127.0.0.1") and copied.endswith(".png")
    assert page.request.get(copied).status == 200  # the link serves the image


def test_art_director_streams_an_answer(ctx, page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.get_by_role("tab", name="Art director").click()
    page.get_by_label("Model").last.fill("tiny-llm")  # the tiny test model: fast, random words
    page.keyboard.press("Enter")
    box = page.locator("#director-message textarea")
    box.fill("Which lighting")
    box.press("Shift+Enter")  # a new line, as in every chat app
    box.type("suits a portrait?")
    assert box.input_value() == "Which lighting\nsuits a portrait?"
    box.press("Enter")  # sends
    page.locator("#director-stats").get_by_text("tokens/s").wait_for(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "director_answer.png"), full_page=True)
    bubbles = page.locator("#director-chat .message")
    assert bubbles.count() >= 2 and "suits a portrait?" in page.locator("#director-chat").inner_text()


def test_a_history_prompt_goes_to_text_to_image(page):
    page.get_by_role("tab", name="Prompt lab").click()
    page.locator("#prompt-lab-input textarea").fill("a red fox in the snow")
    page.locator("#analyze-btn").click()
    page.get_by_text("a red fox in the snow").last.wait_for(timeout=60_000)  # saved in the history
    page.get_by_role("radio", name="impressionism").click()  # a suggested style, added to the prompt
    page.wait_for_function("document.querySelector('#prompt-lab-input textarea')?.value.endsWith('impressionism')",
                           timeout=15_000)  # added before it is sent (a busy machine answers the click late)
    page.locator("#prompt-lab-send").click()
    t2i = page.locator("#t2i-prompt textarea")
    t2i.wait_for(timeout=10_000)
    page.wait_for_function("([el, text]) => el.value === text", timeout=15_000,
                           arg=[t2i.element_handle(), "a red fox in the snow, impressionism"])


def test_style_transfer_shows_a_result(page, tmp_path):
    from skimage import data
    from PIL import Image

    photo = tmp_path / "coffee.png"
    Image.fromarray(data.coffee()).save(photo)
    page.get_by_role("tab", name="Style transfer").click()
    page.locator("#style-content input[type=file]").set_input_files(str(photo))
    assert page.get_by_label("Method").input_value() == "Instant (any style, no download)"  # the default
    page.locator("#style-method-note").get_by_text("Instant: ").wait_for(timeout=10_000)
    page.locator("#style-run").click()
    page.locator("#style-info").get_by_text("Saved to the gallery").wait_for(timeout=90_000)
    assert "painted in" in page.locator("#style-info").inner_text()
    page.locator("#style-result img").first.wait_for(timeout=10_000)
    page.get_by_role("button", name="★ Favourite").first.click()
    page.locator("#style-feedback-thanks").get_by_text("favourite recorded for image #").wait_for(timeout=15_000)
    page.locator("#style-feedback-stars").get_by_label("4").check()
    page.locator("#style-feedback-thanks").get_by_text("rating recorded").wait_for(timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / "style_transfer_result.png"), full_page=True)
    first = page.locator("#style-info").inner_text()
    page.locator("#style-run").click()  # a second result: the bar no longer shows the first one's reactions
    page.wait_for_function(f"(t => t.includes('Saved') && t !== {first!r})(document.querySelector('#style-info')"
                           ".innerText)", timeout=60_000)
    page.wait_for_function("!document.querySelector('#style-feedback-thanks').innerText.trim()", timeout=10_000)
    assert not page.locator("#style-feedback-stars input:checked").count()


def test_feedback_from_the_gallery(ctx, page):
    from PIL import Image

    row = ctx.repo.save_image(None, None, Image.new("RGB", (64, 64), "teal"), {"prompt": "teal"}, model_id="tiny-sd",
                              seed=3)
    page.get_by_role("tab", name="Profile").click()
    page.get_by_role("tab", name="Gallery").click()
    page.get_by_role("button", name="Show").click()
    pick_in_gallery(page, 0, row.id)
    page.get_by_role("button", name="Like").click()
    page.locator("#feedback-thanks").get_by_text("like recorded").wait_for(timeout=15_000)


def test_compare_and_vote(ctx, page):
    """Issue 15: pick, don't type: the images are ticked, the winner is clicked."""
    from PIL import Image

    ids = [ctx.repo.save_image(None, None, Image.new("RGB", (64, 64), c), {"prompt": c}, model_id=m, seed=1).id
           for c, m in (("red", "tiny-sd"), ("blue", "lcm"))]
    page.get_by_role("tab", name="Compare & vote").click()
    ticks = page.locator("#compare-ticks")
    for image_id in ids:
        ticks.get_by_text(f"#{image_id} ·").click(timeout=15_000)
    page.locator("#compare-run").click()
    page.locator("#compare-gallery img").nth(1).wait_for(timeout=15_000)
    page.locator("#compare-gallery .thumbnail-item, #compare-gallery button.thumbnail-item").nth(1).click()
    page.locator("#compare-picked").get_by_text("Your pick: image #").wait_for(timeout=10_000)
    winner = int(re.search(r"#(\d+)", page.locator("#compare-picked").inner_text()).group(1))
    assert winner in ids
    page.locator("#compare-vote").click()
    page.locator("#compare-voted").get_by_text(f"Voted for image #{winner}").wait_for(timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / "compare_vote.png"), full_page=True)
    ticks.get_by_text(f"#{ids[0]} ·").click()  # a new comparison: the last vote was the previous one's
    page.wait_for_function("!document.querySelector('#compare-voted').innerText.includes('Voted')", timeout=10_000)
    page.locator("#compare-picked").get_by_text("Click an image above to pick it").wait_for(timeout=10_000)
    assert "Your pick" not in page.locator("#compare-picked").inner_text()


def test_add_to_compare_from_the_lightbox_ticks_it_in_compare(ctx, page):
    from PIL import Image

    rows = [ctx.repo.save_image(None, None, Image.new("RGB", (64, 64), c), {"prompt": c}, model_id="tiny-sd")
            for c in ("red", "blue")]
    page.get_by_role("tab", name="Profile").click()
    page.get_by_role("tab", name="Gallery").click()
    page.get_by_role("button", name="Show").click()
    for index in range(2):
        pick_in_gallery(page, index, rows[1 - index].id)  # newest first
        page.locator("#gallery-to-compare").click()
        page.locator("#feedback-thanks").get_by_text(f"({index + 1} picked)").wait_for(timeout=15_000)
    page.get_by_role("tab", name="Compare & vote").click()
    page.wait_for_function("document.querySelectorAll('#compare-ticks input:checked').length === 2", timeout=15_000)
    page.locator("#compare-run").click()
    page.locator("#compare-gallery img").nth(1).wait_for(timeout=15_000)
    shown = page.locator("#compare-gallery").inner_text()
    assert all(f"#{r.id}" in shown for r in rows)


def test_the_jobs_panel_cancels_the_picked_row(ctx, app, page):
    from neurocanvas.store.tables import Generation
    from tests.conftest import wait_until
    from tests.ui.test_text_to_image import FORM

    demo, client = app
    client.submit(*{**FORM, "steps": 8, "batch": 8, "width": 128, "height": 128}.values(), api_name="/text_to_image")
    assert wait_until(lambda: Generation.select().count() == 1)
    page.locator("#jobs-panel").get_by_text("Jobs (queue)").click()
    row = page.locator("#jobs-table [data-testid='cell-0-1']")  # the first row's "what" cell
    row.wait_for(timeout=15_000)
    row.click()
    page.locator("#jobs-picked").get_by_text("Picked job #1").wait_for(timeout=15_000)
    page.locator("#jobs-cancel").click()
    page.locator("#jobs-message").get_by_text("Cancelling job #1").wait_for(timeout=15_000)
    assert wait_until(lambda: Generation.get().status == "cancelled")


def test_a_preset_in_your_order_fills_the_prompt(page):
    page.get_by_role("tab", name="Prompt lab").click()
    page.locator("#prompt-lab-presets-reason").get_by_text("chosen for you").wait_for(timeout=30_000)
    row = page.locator("#prompt-lab-presets tbody tr").first
    text = row.locator("td").nth(1).inner_text().strip().removesuffix("...")  # long prompts are shown cut
    first_category = page.locator("#prompt-lab-presets-reason strong").first.inner_text()
    assert row.locator("td").first.inner_text().strip() == first_category  # the bandit's pick is listed first
    row.click()
    box = page.locator("#prompt-lab-input textarea")
    page.wait_for_function("([el, t]) => el.value.startsWith(t)", arg=[box.element_handle(), text], timeout=10_000)


def test_saved_default_model_opens_text_to_image(page):
    page.get_by_role("tab", name="Profile").click()
    page.get_by_role("tab", name="Settings").click()
    page.get_by_label("Text to image model").fill("sd-turbo")
    page.keyboard.press("Enter")
    page.get_by_label("Style transfer method").fill("tiny-vgg")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Save my defaults").click()
    page.locator("#settings-result").get_by_text("Saved").wait_for(timeout=15_000)

    page.reload()
    page.get_by_role("tab", name="Text to image").click()
    page.locator("#t2i-model-status").get_by_text("SD-Turbo (default)").wait_for(timeout=30_000)
    assert "not downloaded" in page.locator("#t2i-model-status").inner_text()


def test_logging_in_through_the_login_page_opens_the_studio(ctx, browser):
    """The login page is served without the studio's API description (ui/guard.py); logging in must still work.

    The owner (the first login) sees everyone's usage in the Admin tab; another user sees only a note there."""
    import dataclasses

    from neurocanvas.ui.app import build_app, launch

    ctx.settings = dataclasses.replace(ctx.settings, auth=(("alice", "pw-a"), ("bob", "pw-b")))
    demo = launch(build_app(ctx), ctx, prevent_thread_lock=True, _frontend=False)

    def log_in(name: str, password: str):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(demo.local_url)
        page.get_by_label("username").fill(name)
        page.get_by_label("password").fill(password)
        page.get_by_role("button", name="Login").click()
        page.get_by_role("tab", name="Prompt lab").wait_for(timeout=30_000)
        return context, page

    try:
        context, page = log_in("alice", "pw-a")
        assert "analyze_prompt" in page.evaluate("JSON.stringify(window.gradio_api_info)")
        page.get_by_role("tab", name="Admin").click()
        page.locator("#admin-system").get_by_text("disk_free_mb").wait_for(timeout=15_000)
        page.wait_for_function("document.querySelector('#admin-users').innerText.includes('alice')", timeout=15_000)
        context.close()
        from PIL import Image

        image = ctx.files.start_sharing("alice", ctx.repo.save_image("alice", None, Image.new("RGB", (8, 8)), {}).id)
        context, page = log_in("bob", "pw-b")
        page.get_by_role("tab", name="Profile").click()
        page.get_by_role("tab", name="Report").click()
        page.locator("#report-link").get_by_role("textbox").fill(ctx.shares.link(image.id, image.sha256, image.share_key))
        page.get_by_role("button", name="Report", exact=True).click()
        page.locator("#report-answer").get_by_text(f"image #{image.id} is reported (other)").wait_for(timeout=15_000)
        page.get_by_role("tab", name="Admin").click()
        page.locator("#admin-note").get_by_text("the studio's owner").wait_for(timeout=15_000)
        assert not page.locator("#admin-users").is_visible()  # the figures are shown to the owner alone
        context.close()
    finally:
        demo.close()


def test_stop_says_what_happened(page, tmp_path):
    from skimage import data
    from PIL import Image

    photo = tmp_path / "coffee.png"
    Image.fromarray(data.coffee()).save(photo)
    page.get_by_role("tab", name="Style transfer").click()
    page.locator("#style-content input[type=file]").set_input_files(str(photo))
    page.get_by_label("Method").fill("tiny-vgg")  # the optimiser: long enough to stop half way
    page.keyboard.press("Enter")
    page.get_by_role("spinbutton", name="number input for Quality (steps)").fill("600")
    page.keyboard.press("Enter")
    page.locator("#style-run").click()
    # the progress bar and the info line both say "Step", so wait on the text, not one element
    page.wait_for_function("document.querySelector('#style-info').innerText.includes('Step ')", timeout=60_000)
    page.get_by_role("button", name="Stop").first.click()
    page.locator("#style-info").get_by_text("nothing was saved").wait_for(timeout=15_000)
    assert "Stopped job #" in page.locator("#style-info").inner_text()


def test_the_gallery_fills_itself_and_follows_its_filters(ctx, page):
    """Issue 15: no Show needed: opening the tab, a filter, a delete and its undo all refresh the gallery."""
    from PIL import Image

    rows = [ctx.repo.save_image(None, None, Image.new("RGB", (32, 32), c), {"prompt": c}, model_id="tiny-sd")
            for c in ("red", "blue")]
    page.get_by_role("tab", name="Profile").click()
    page.get_by_role("tab", name="Gallery").click()
    gallery = page.locator("#profile-gallery")
    gallery.get_by_text(f"#{rows[1].id} ·").first.wait_for(timeout=15_000)  # filled on opening

    page.wait_for_function(f"document.querySelector('#profile-gallery').innerText.indexOf('#{rows[1].id}') < "
                           f"document.querySelector('#profile-gallery').innerText.indexOf('#{rows[0].id}')",
                           timeout=15_000)  # newest first
    page.get_by_label("oldest").check()
    page.wait_for_function(f"document.querySelector('#profile-gallery').innerText.indexOf('#{rows[0].id}') < "
                           f"document.querySelector('#profile-gallery').innerText.indexOf('#{rows[1].id}')",
                           timeout=15_000)  # the sort applied without Show
    page.locator("#feedback-image input").fill(str(rows[0].id))
    page.get_by_role("button", name="Delete", exact=True).click()
    page.wait_for_function(f"!document.querySelector('#profile-gallery').innerText.includes('#{rows[0].id} ')",
                           timeout=15_000)
    page.get_by_role("button", name="Undo delete").click()
    gallery.get_by_text(f"#{rows[0].id} ·").first.wait_for(timeout=15_000)


def test_generate_to_compare_runs_the_plan_shown(ctx, page):
    """Issue 15: Plan fills an editable table; Generate runs it as shown, the planned restyle included."""
    page.get_by_role("tab", name="Compare & vote").click()
    page.locator("#compare-prompt textarea, #compare-prompt input").first.fill("a quiet village at night, Van Gogh")
    page.get_by_role("button", name="Plan", exact=True).click()
    page.locator("#compare-plan-table [data-testid='cell-1-1']").get_by_text("Starry Night").wait_for(timeout=30_000)
    page.locator("#compare-plan-table [data-testid='cell-0-2']").dblclick()  # the first run's seed offset: 0 -> 2
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    page.keyboard.press("Enter")
    page.locator("#compare-plan-table [data-testid='cell-0-2']").get_by_text("2", exact=True).wait_for(timeout=10_000)
    page.locator("#compare-generate").click()
    page.locator("#compare-details [role='gridcell']").get_by_text("starry-night").first.wait_for(timeout=120_000)
    page.screenshot(path=str(ARTIFACTS / "compare_plan.png"), full_page=True)
    from neurocanvas.store.tables import Generation

    kinds = sorted(g.kind for g in Generation.select())  # 3 rows: a plain render (its offset now 2) + 2 restyles
    assert kinds == ["rank"] + ["style_transfer"] * 2 + ["text_to_image"] * 3  # the edit made the plain one its own
    assert page.locator("#compare-gallery img").count() >= 3


def test_recommendations_are_cards_that_act(ctx, page):
    """Issue 15: a prompt card fills Text to image's prompt, a style card picks the style in Style transfer."""
    favourite = ctx.repo.add_prompt(None, "a *lighthouse* at dusk, <b>oil</b>")
    ctx.repo.set_prompt_favourite(None, favourite.id, True)
    page.get_by_role("tab", name="Profile").click()
    page.get_by_role("tab", name="Preferences").click()
    card = page.locator(".nc-card").filter(has_text="a *lighthouse* at dusk, <b>oil</b>",  # as text, not markup
                                           has_not_text="that you liked")  # the favourite's own card
    card.get_by_role("button", name="Use this prompt").click(timeout=30_000)
    page.wait_for_function("document.querySelector('#t2i-prompt textarea')?.value.includes('*lighthouse* at dusk, <b>oil</b>')",
                           timeout=15_000)
    assert page.get_by_role("tab", name="Text to image").get_attribute("aria-selected") == "true"
    page.get_by_role("tab", name="Profile").click()
    page.get_by_role("tab", name="Preferences").click()
    from neurocanvas.personalize import bandits

    assigned = page.get_by_label(bandits.assigned("local"), exact=True)
    page.wait_for_function("document.querySelectorAll('input[type=radio]:checked').length > 0", timeout=15_000)
    assert assigned.is_checked()  # the radio shows the algorithm the user's learning runs with
    styles = page.locator(".nc-card", has=page.get_by_role("button", name="Try this style"))
    name = styles.first.locator("strong").inner_text(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "recommendations.png"), full_page=True)
    styles.first.get_by_role("button", name="Try this style").click()
    page.wait_for_function(f"[...document.querySelectorAll('input')].some(i => i.value === {name!r})", timeout=15_000)
    page.wait_for_function("[...document.querySelectorAll('[role=tab][aria-selected=true]')]"  # the switch follows
                           ".some(t => t.textContent.trim() === 'Style transfer')", timeout=15_000)
    assert page.get_by_role("tab", name="Style transfer").get_attribute("aria-selected") == "true"

"""Browser fixtures: one Debian Chromium per module, driven by Playwright, and a fresh page on the test app."""
import os
import shutil

import pytest


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:  # `make test` installs it; a bare pytest run must say what is missing, not skip
        pytest.fail("Chromium is not installed: run `make test` (it installs Debian's chromium) or set CHROMIUM=/path.")
    return path


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the module; each test gets a fresh context (cookies, storage) of its own."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(app, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(app[0].local_url)
    yield page
    context.close()


def pick_in_gallery(page, index: int, image_id: int, timeout_s: float = 30) -> None:
    """Click the Profile gallery's thumbnail `index` until the picked id is `image_id`: the gallery refreshes itself
    (on opening, on Show), and a click that lands while it re-renders is lost."""
    import time

    deadline = time.monotonic() + timeout_s
    script = f"document.querySelector('#feedback-image input')?.value === '{image_id}'"
    while True:
        page.locator("#profile-gallery .thumbnail-item, #profile-gallery button.thumbnail-item").nth(index).click(
            timeout=15_000)
        try:
            page.wait_for_function(script, timeout=3_000)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise

"""In a real browser, a refused input shows its message, not only Gradio's red "Error" badge (Gradio 6.31 shows
the message only for events on the queue: a queue=False event's refusal reads just "Error")."""


def test_a_refused_prompt_and_a_refused_gallery_filter_say_why(page):
    page.get_by_role("tab", name="Prompt lab").click()
    page.locator("#analyze-btn").click()  # an empty prompt
    page.locator(".toast-body, [data-testid='toast-body']").first.wait_for(timeout=15_000)
    assert "prompt" in page.locator(".toast-body, [data-testid='toast-body']").first.inner_text().lower()

    page.get_by_role("tab", name="Profile").click()
    page.get_by_role("tab", name="Gallery").click()
    page.get_by_label("From (YYYY-MM-DD)").fill("yesterday")
    page.get_by_role("button", name="Show").click()
    # Wait for the gallery's own toast: the label "From (YYYY-MM-DD)" is on the page already, so waiting for that
    # text alone raced the refusal.
    toast = page.locator(".toast-body, [data-testid='toast-body']").filter(has_text="yesterday")
    toast.first.wait_for(timeout=15_000)
    assert "must be a date like" in toast.first.inner_text()

"""In a real browser (issue 15): a new job clears the last one's result area, reactions included, before it runs."""


def test_a_new_render_clears_the_last_ones_reactions_while_it_waits(app, page):
    from tests.ui.test_text_to_image import FORM

    demo, client = app
    page.get_by_role("tab", name="Text to image").click()
    page.locator("#t2i-prompt textarea").fill("a fox, art")
    page.locator("#t2i-generate").click()
    page.locator("#t2i-info").get_by_text("Job #1").wait_for(timeout=60_000)
    page.wait_for_function("document.querySelector('#t2i-picked input')?.value === '1'", timeout=15_000)
    page.locator("#t2i-feedback-stars").get_by_text("5").click()
    page.locator("#t2i-feedback-thanks").get_by_text("rating recorded for image #1").wait_for(timeout=15_000)
    slow = client.submit(*{**FORM, "steps": 8, "batch": 8, "width": 128, "height": 128}.values(),
                         api_name="/text_to_image")  # job #2 holds the one render slot
    page.locator("#t2i-prompt textarea").fill("a fox, art, at dawn")
    page.locator("#t2i-generate").click()
    page.locator("#t2i-info").get_by_text("is waiting").wait_for(timeout=60_000)  # job #3, behind it
    assert "rating recorded" not in page.locator("#t2i-feedback-thanks").inner_text()  # #1's answer went
    assert page.locator("#t2i-feedback-stars input:checked").count() == 0  # and its 5 stars
    assert page.locator("#t2i-picked input").input_value() == "" and page.locator("#t2i-gallery img").count() == 0
    slow.cancel()


def test_variations_clear_the_answer_line_at_once(page):
    page.get_by_role("tab", name="Text to image").click()
    page.locator("#t2i-prompt textarea").fill("a fox, art")
    page.locator("#t2i-generate").click()
    page.locator("#t2i-info").get_by_text("Job #1").wait_for(timeout=60_000)
    page.wait_for_function("document.querySelector('#t2i-picked input')?.value === '1'", timeout=15_000)
    page.locator("button:visible", has_text="Like").first.click()
    page.locator("#t2i-feedback-thanks").get_by_text("like recorded").wait_for(timeout=15_000)
    page.locator("#t2i-vary").click()  # variations of the picked result: its answer line goes at once
    page.locator("#t2i-info").get_by_text("Variations of image #1").wait_for(timeout=60_000)
    assert "like recorded" not in page.locator("#t2i-feedback-thanks").inner_text()

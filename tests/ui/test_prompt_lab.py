"""Prompt lab through the client API: analyse, enhance, history, favourites, bad input."""
import pytest

from neurocanvas.handlers.prompt_lab import PromptLabHandler


def test_analyze_returns_every_field_and_saves_history(app):
    demo, client = app
    a = client.predict("a dramatic lighthouse in a storm at dusk, oil painting, wide shot", api_name="/analyze_prompt")
    assert a["sentiment"]["label"] in ("positive", "negative", "neutral") and 0 <= a["sentiment"]["confidence"] <= 1
    assert {k["term"] for k in a["keywords"]["style"]} == {"oil painting"}
    assert "dusk" in {k["term"] for k in a["keywords"]["lighting"]}
    assert a["mood"] == "dramatic" and a["concepts"] and a["palette"] and a["styles"]
    history = client.predict("", False, api_name="/prompt_history")
    assert history["data"][0][0] == a["history_id"] and history["data"][0][3].startswith("a dramatic lighthouse")


def test_the_analysis_gives_calibrated_scores_and_names_a_close_call(app):
    demo, client = app
    a = client.predict("a knight's armour in a museum", api_name="/analyze_prompt")
    assert [c for c, _ in a["concepts"][:2]] == ["still life", "fantasy"] and all(0 < p <= 1 for _, p in a["concepts"])
    moods = [p for _, p in a["mood_scores"]]  # probabilities of the top four of ten moods: never over 100 %
    assert moods == sorted(moods, reverse=True) and sum(moods) <= 1 + 1e-6 and a["mood"] == a["mood_scores"][0][0]
    assert "A close call for the concept: still life (42%) or fantasy (29%)." in a["notes"]


def test_the_client_and_the_tab_see_what_a_thing_is_made_of_as_texture(app):
    demo, client = app
    a = client.predict("a queen made of starlight and a crown carved from licorice", api_name="/analyze_prompt")
    sources = {k["term"]: k["source"] for k in a["keywords"]["texture"]}
    assert sources["starlight"] == "after 'made of'" and sources["licorice"] == "after 'carved from'"
    marked = dict(PromptLabHandler.render(a)[1])  # what the tab's highlighted prompt shows
    assert marked["licorice"] == "texture"


def test_analysing_a_prompt_again_updates_its_history_row(app):
    demo, client = app
    first = client.predict("a red fox in snow", api_name="/analyze_prompt")["history_id"]
    client.predict(first, True, api_name="/favourite_prompt")
    client.predict("a blue whale", api_name="/analyze_prompt")
    again = client.predict("a red fox in snow", api_name="/analyze_prompt")["history_id"]
    history = client.predict("", False, api_name="/prompt_history")["data"]
    assert again == first and [row[0] for row in history][0] == first and len(history) == 2
    assert history[0][1] == "★"  # the favourite is kept


def test_enhance_is_deterministic_and_marks_additions(app):
    demo, client = app
    text, marked = client.predict("a cat", 3, api_name="/enhance_prompt")
    assert text.startswith("a cat, ") and client.predict("a cat", 3, api_name="/enhance_prompt")[0] == text
    added = [piece["token"] for piece in marked if piece["class_or_confidence"] == "added"]
    assert added and text == ", ".join(["a cat", *added])


def test_favourites_and_search(app):
    demo, client = app
    first = client.predict("a red fox in snow", api_name="/analyze_prompt")["history_id"]
    client.predict("a blue whale", api_name="/analyze_prompt")
    assert "added to favourites" in client.predict(first, True, api_name="/favourite_prompt")
    favourites = client.predict("", True, api_name="/prompt_history")["data"]
    assert [row[0] for row in favourites] == [first] and favourites[0][1] == "★"
    assert [row[3] for row in client.predict("whale", False, api_name="/prompt_history")["data"]] == ["a blue whale"]


@pytest.mark.parametrize("prompt, message", [("", "empty"), ("   ", "empty")])
def test_empty_prompt_is_a_clear_error_and_saves_nothing(app, prompt, message):
    demo, client = app
    with pytest.raises(Exception, match=message):
        client.predict(prompt, api_name="/analyze_prompt")
    assert client.predict("", False, api_name="/prompt_history")["data"] == []


def test_long_prompt_is_bounded_in_history(app):
    demo, client = app
    a = client.predict("x" * 10_000, api_name="/analyze_prompt")
    assert "first 2,000 were analysed" in a["notes"][0]
    assert len(client.predict("", False, api_name="/prompt_history")["data"][0][3]) == 2000


def test_someone_elses_prompt_cannot_be_favourited(ctx, app):
    demo, client = app
    other = ctx.repo.add_prompt("someone-else", "a secret prompt")
    with pytest.raises(Exception, match="No prompt"):
        client.predict(other.id, True, api_name="/favourite_prompt")
    assert client.predict("secret", False, api_name="/prompt_history")["data"] == []

import pytest

from neurocanvas.engines.prompt_analysis import CATEGORIES, MAX_CHARS, PromptError
from tests.engines.prompt_eval import load_eval, evaluate

# Measured on the 108 hand-labelled prompts (tests/engines/prompt_eval.txt) with the shipped classifier:
# concept 0.963 (top-2 0.972), mood 0.713, sentiment 0.769; category recall 0.98-1.00, precision 0.83-0.96 except
# mood 0.54 and texture 0.56. This older set marks a mood only where a mood adjective is written ("serene"); the lexicon
# now also counts a mood's cue words ("stormy", "laughing", "abandoned"), as the labelled set of issue 16 does, and
# texture words this set left unmarked ("glass", "cobblestones", "armor"). Thresholds sit about five points under
# the figures and far above the majority-class baselines: concept 0.19, mood 0.22, sentiment 0.50.
THRESHOLDS = {"concept": 0.91, "concept_top2": 0.93, "mood": 0.66, "sentiment": 0.72}
CATEGORY_PRECISION = {"mood": 0.48, "texture": 0.50}  # others 0.78
CATEGORY_RECALL = 0.92


@pytest.fixture(scope="module")
def scores(analyzer):
    return evaluate(analyzer, load_eval())


def test_eval_set_is_large_enough():
    rows = load_eval()
    assert len(rows) >= 100
    assert {r["sentiment"] for r in rows} == {"positive", "negative", "neutral"}


@pytest.mark.parametrize("field", sorted(THRESHOLDS))
def test_field_accuracy(scores, field):
    assert scores[field] >= THRESHOLDS[field], (field, scores[field])


@pytest.mark.parametrize("category", CATEGORIES)
def test_category_precision_and_recall(scores, category):
    pr = scores["categories"][category]
    assert pr["precision"] >= CATEGORY_PRECISION.get(category, 0.78) and pr["recall"] >= CATEGORY_RECALL, (category, pr)


def test_a_full_analysis(analyzer):
    a = analyzer.analyze("a serene misty lake at golden hour, watercolor, crimson and teal, wide shot, visible brushstrokes")
    found = {c: [k.term for k in a.keywords[c]] for c in CATEGORIES}
    assert found["style"] == ["watercolor"] and "serene" in found["mood"]
    assert "golden hour" in found["lighting"] and "golden" not in found["colour"]  # the longer term wins
    assert {"crimson", "teal"} <= set(found["colour"]) and "wide shot" in found["composition"]
    assert "misty" in found["mood"] and "visible brushstrokes" in found["texture"]
    assert a.concepts[0][0] == "nature" and a.mood == "peaceful" and a.sentiment["label"] != "negative"
    assert [p["hex"] for p in a.palette[:2]] == ["#dc143c", "#008080"]  # named colours first
    assert all(p["hex"].startswith("#") and len(p["hex"]) == 7 for p in a.palette)
    assert a.styles and a.missing == []


def test_words_missing_from_the_lexicon_are_placed_by_similarity(analyzer):
    a = analyzer.analyze("an old sailor by gaslight, moonglow on the sea")
    lighting = {k.term: k.source for k in a.keywords["lighting"]}
    assert lighting["gaslight"].startswith("similar to") and lighting["moonglow"].startswith("similar to")
    assert "moonglow" in [k.term for k in a.keywords["mood"]]  # its nearest term, moonlit, is also a mood's cue


def test_missing_categories_become_hints(analyzer):
    a = analyzer.analyze("a cat")
    assert any(h.startswith("No lighting") for h in a.missing) and any(h.startswith("No composition") for h in a.missing)


def test_enhance_keeps_intent_adds_what_is_missing_and_is_deterministic(analyzer):
    first = analyzer.enhance("a cat sleeping on a windowsill", seed=1)
    assert first.prompt.startswith("a cat sleeping on a windowsill, ")
    assert first.prompt == ", ".join(["a cat sleeping on a windowsill", *first.additions])
    assert analyzer.enhance("a cat sleeping on a windowsill", seed=1) == first
    others = {analyzer.enhance("a cat sleeping on a windowsill", seed=s).prompt for s in range(2, 8)}
    assert len(others - {first.prompt}) >= 1  # the seed varies the additions
    before = len(analyzer.analyze(first.original).missing)
    assert len(analyzer.analyze(first.prompt).missing) < before


@pytest.mark.parametrize("prompt", ["", "   \n\t "])
def test_empty_prompts_are_refused(analyzer, prompt):
    with pytest.raises(PromptError, match="empty"):
        analyzer.analyze(prompt)


def test_very_long_prompt_is_bounded_with_a_note(analyzer):
    a = analyzer.analyze("a red fox in the snow, " * 400)  # 9,200 characters: within the studio's limit
    assert len(a.prompt) == MAX_CHARS and "first 2,000 were analysed" in a.notes[0]


def test_a_prompt_over_the_studio_limit_is_refused(analyzer):
    with pytest.raises(PromptError, match="limited to 10,000 characters; this one has 10,001"):
        analyzer.analyze("x" * 10_001)


@pytest.mark.parametrize("prompt, note", [
    ("🌅🌊🎨✨", "No English words"),
    ("一只红色的狐狸在雪中", "No English words"),
    ("a red fox 在雪中 في الثلج", "not in the Latin alphabet"),
])
def test_emoji_and_other_scripts_get_a_note(analyzer, prompt, note):
    a = analyzer.analyze(prompt)
    assert any(note in n for n in a.notes) and a.mood and a.sentiment["label"]


def test_markup_and_sql_are_plain_text(analyzer):
    a = analyzer.analyze("<script>alert(1)</script> a castle'; DROP TABLE prompt; --")
    assert a.prompt == "<script>alert(1)</script> a castle'; DROP TABLE prompt; --"  # kept verbatim, never run
    assert a.concepts and a.sentiment["label"] in ("positive", "negative", "neutral")


def test_the_word_cache_wraps_without_losing_the_words_in_use(analyzer, monkeypatch):
    """Issue 14: once the cache was full it was cleared in the middle of the loop filling it (a KeyError)."""
    from neurocanvas.engines import prompt_keywords

    monkeypatch.setattr(prompt_keywords, "WORD_CACHE_SIZE", 4)
    words = "zorblax quintessa mervolt drenfield calyptic fernwhistle obsidra lumaquill tessavar brintorn"
    for shift in range(3):  # new words each time, more than the cache holds
        analysis = analyzer.analyze(" ".join(w[shift:] + "ing" for w in words.split()) + ", oil painting")
        assert analysis.keywords["style"]
    assert len(analyzer.keyword_finder._word_cache) <= 4

"""The written rules an art-director answer must pass, on the real prompt analyser's keywords."""
import pytest

from neurocanvas.engines import refine_check
from neurocanvas.engines.refine_check import check, clip_token_counter, key_words, simplified


@pytest.fixture(scope="module")
def keywords(analyzer):
    return lambda text: {c: [k.term for k in found] for c, found in analyzer.analyze(text).keywords.items()}


@pytest.fixture(scope="module")
def tokens():
    return clip_token_counter()


def test_key_words_are_the_subject_not_the_styling(keywords):
    assert key_words("a lighthouse on a cliff at dusk, oil painting", keywords) == ["lighthouse", "cliff"]


def test_each_rule_can_fail_on_its_own(keywords, tokens):
    original = "a lighthouse on a cliff"
    good = check(original, "a lighthouse on a cliff, oil painting, golden hour", "refine", True, keywords, tokens)
    assert good.ok and good.score == 1.0
    dropped = check(original, "a tower on a cliff, oil painting, golden hour", "refine", True, keywords, tokens)
    assert dropped.passed["keeps the key words"] is False and dropped.missing_words == ["lighthouse"]
    no_light = check(original, "a lighthouse on a cliff, oil painting", "refine", True, keywords, tokens)
    assert no_light.passed["adds the asked terms"] is False and no_light.missing_categories == ["lighting"]
    long = check(original, "a lighthouse on a cliff, oil painting, golden hour, " + "very " * 80, "refine", True,
                 keywords, tokens)
    assert long.passed["fits 77 CLIP tokens"] is False and long.tokens > refine_check.MAX_CLIP_TOKENS
    unparsed = check(original, "a lighthouse on a cliff, oil painting, golden hour", "refine", False, keywords, tokens)
    assert unparsed.passed["parses"] is False and "not the JSON" in unparsed.failures()


def test_simplify_must_be_shorter_and_the_rule_based_one_is(keywords, tokens):
    prompt = "a highly detailed majestic ancient lighthouse on a rocky cliff, stormy sea, oil painting, golden hour, 8k"
    assert not check(prompt, prompt, "simplify", True, keywords, tokens).ok
    short = simplified(prompt, keywords)
    assert "lighthouse" in short and check(prompt, short, "simplify", True, keywords, tokens).ok

"""The loop's pure part: which parts of a prompt to look for, what a look says, merging two versions."""
import pytest

from neurocanvas.engines.director import Director
from neurocanvas.engines.director_loop import clean_prompts, look, merge, phrases, prompt_terms
from tests.engines.test_director import TEMPLATES


def test_terms_are_the_category_terms_then_the_subject():
    terms = prompt_terms("Oil painting of a lighthouse in a storm, golden hour, 8k",
                         {"style": ["oil painting"], "lighting": ["golden hour"], "mood": []})
    assert terms == [("style", "oil painting"), ("lighting", "golden hour"), ("subject", "lighthouse"),
                     ("subject", "storm")]
    assert prompt_terms("portrait of a jazz singer", {}) == [("subject", "portrait"), ("subject", "jazz singer")]
    assert len(prompt_terms(", ".join(f"word{i}x thing{i}y" for i in range(40)), {})) == 12


def test_a_look_names_what_is_shown_and_what_is_missed_with_its_score():
    seen = look(0.3, [("oil painting", 0.25), ("storm", 0.22), ("lighthouse", 0.18)])
    assert seen.text == "The image shows 'oil painting' and 'storm' but not 'lighthouse' (0.18)."
    assert [t for t, _ in seen.misses] == ["lighthouse"]
    assert look(0.3, [("a", 0.3)]).text.startswith("The image shows every part")
    assert look(0.1, [("a", 0.1), ("b", 0.05)]).text == "The image shows none of the prompt's parts clearly: 'b' (0.05), 'a' (0.10)."


def test_merge_keeps_the_picked_phrases_in_order_and_refuses_an_empty_or_foreign_pick():
    assert phrases("a cat, oil painting,, a cat") == ["a cat", "oil painting"]
    assert merge("a cat, oil painting", "a cat, watercolour, soft light", ["soft light", "a cat"]) == "a cat, soft light"
    with pytest.raises(ValueError, match="empty"):
        merge("a cat", "a dog", [])
    with pytest.raises(ValueError, match="not a phrase"):
        merge("a cat", "a dog", ["a bird"])


def test_versions_to_render_are_cleaned_and_bounded():
    assert clean_prompts("a  cat\n\n a cat \nа dog") == ["a cat", "а dog"]
    with pytest.raises(ValueError, match="nothing to render"):
        clean_prompts(["", "  "])
    with pytest.raises(ValueError, match="at most 4"):
        clean_prompts(list("abcde"))


class _Recorder:
    """A llama.cpp-shaped model that answers a fixed JSON and keeps what it was asked."""

    def __init__(self, answer):
        self.answer, self.asked = answer, []

    def n_ctx(self):
        return 2048

    def tokenize(self, data, add_bos=False, special=False):
        return list(range(len(data) // 4 + 1))

    def create_chat_completion(self, messages, **options):
        self.asked.append(messages[-1]["content"])
        return {"choices": [{"message": {"content": self.answer}}]}


def test_refine_from_the_result_tells_the_model_what_was_missed():
    llm = _Recorder('{"refined_prompt": "a lighthouse, oil painting", "explanation": "x", "alternatives": []}')
    result = Director(llm, TEMPLATES).refine("oil painting of a storm", "from_result",
                                             details={"missing": "lighthouse", "shown": "oil painting, storm"})
    assert result.parsed and "is missing: lighthouse" in llm.asked[0] and "already shows: oil painting, storm" in llm.asked[0]


def test_a_malformed_answer_falls_back_to_its_text():
    result = Director(_Recorder("a lighthouse {broken"), TEMPLATES).refine(
        "a storm", "from_result", details={"missing": "lighthouse", "shown": "storm"})
    assert not result.parsed and result.refined_prompt == "a lighthouse broken"


def test_real_smollm2_refines_from_the_result(registry):
    director = Director(registry.get("smollm2-135m"), TEMPLATES)
    cases = [("oil painting of a lighthouse in a storm", "lighthouse", "oil painting, storm"),
             ("a cat on a windowsill, soft morning light", "cat", "windowsill, soft morning light"),
             ("a castle in the mountains at sunset", "castle", "mountains, sunset"),
             ("portrait of a jazz singer, film noir", "jazz singer", "film noir"),
             ("a futuristic city at night, neon", "neon", "city, night"),
             ("a bowl of fruit, still life, chiaroscuro", "chiaroscuro", "bowl of fruit, still life"),
             ("an astronaut in a flower garden, watercolour", "astronaut", "flower garden, watercolour"),
             ("a red fox in the snow, minimalism", "red fox", "snow, minimalism"),
             ("a tea house in Kyoto, ukiyo-e", "tea house", "Kyoto, ukiyo-e"),
             ("an abstract painting of music, vibrant colours", "vibrant colours", "abstract painting, music")]
    results = [director.refine(p, "from_result", details={"missing": m, "shown": s}) for p, m, s in cases]
    assert sum(r.parsed for r in results) >= 9
    assert all(r.refined_prompt.strip() for r in results)


def test_an_answer_cut_off_in_its_alternatives_keeps_its_complete_strings():
    text = '{"refined_prompt": "a tea house,\nukiyo-e", "explanation": "ok", "alternatives": ["one", "tw'
    result = Director(_Recorder(text), TEMPLATES).refine("a tea house", "refine")
    assert result.parsed and result.refined_prompt == "a tea house,\nukiyo-e" and result.alternatives == ["one"]

"""The checked refinement with the real packaged SmolLM2: every answer passes the written rules, from the model
when a sample does, else from the rule-based answer, which then says so."""
import pytest

from neurocanvas.services.director import DirectorModels
from neurocanvas.services.refine import CheckedRefiner

PROMPTS = ["a lighthouse on a cliff at dusk", "portrait of an old fisherman", "a cat sleeping on a windowsill"]


@pytest.fixture(scope="module")
def refiner(registry, analyzer):
    return CheckedRefiner(DirectorModels(registry, None), lambda: analyzer)


@pytest.mark.parametrize("action", ["refine", "dramatic", "details", "simplify"])
def test_every_answer_passes_the_rules(refiner, action):
    for prompt in PROMPTS:
        answer = refiner.refine(prompt, action, "smollm2-135m")
        assert all(answer["rules"].values()), (prompt, action, answer)
        assert refiner.check(prompt, answer["refined_prompt"], action, True).ok
        assert answer["fallback"] == ("rule-based answer instead" in answer["explanation"])
        assert 1 <= answer["tries"] <= refiner.samples


def test_the_rule_based_answer_adds_what_each_action_asks(refiner):
    for action in ("refine", "dramatic", "details", "explain", "variations", "simplify"):
        text = refiner.rule_based("a fox in the snow", action)
        assert "fox" in text and refiner.check("a fox in the snow", text, action, True).ok, (action, text)
    assert refiner.rule_based("a fox in the snow", "dramatic") == refiner.rule_based("a fox in the snow", "dramatic")


def test_without_the_checks_the_tiny_model_is_returned_as_it_answered(refiner):
    answer = refiner.refine("a fox in the snow", "refine", "tiny-llm", fallback=False)
    assert answer["fallback"] is False
    assert all(answer["rules"].values()) or answer["tries"] == refiner.samples  # every sample tried before giving up

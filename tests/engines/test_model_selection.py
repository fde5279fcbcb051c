"""Auto's rules, on the real prompt analysis: a table of prompts and the models (and restyles) they get."""
import json

import pytest

from neurocanvas.engines.model_selection import find_painter, select
from neurocanvas.registry import CATALOG_PATH

RULES = json.loads((CATALOG_PATH.parent / "auto_rules.json").read_text())
INSTALLED = ["sd-turbo", "lcm-dreamshaper-v7", "sdxs-512"]

TABLE = [  # prompt, rule, [(model, seed offset, restyle preset)]
    ("a portrait of an old fisherman, soft window light", "portrait",
     [("lcm-dreamshaper-v7", 0, None), ("sd-turbo", 0, None), ("sdxs-512", 0, None)]),
    ("close-up photo of a smiling woman's face", "portrait",
     [("lcm-dreamshaper-v7", 0, None), ("sd-turbo", 0, None), ("sdxs-512", 0, None)]),
    ("a quiet village at night in the style of Van Gogh", "painter",
     [("sd-turbo", 0, None), ("sd-turbo", 0, "starry-night"), ("lcm-dreamshaper-v7", 1, "starry-night")]),
    ("mount fuji, ukiyo-e woodblock print", "painter",
     [("sd-turbo", 0, None), ("sd-turbo", 0, "great-wave"), ("lcm-dreamshaper-v7", 1, "great-wave")]),
    ("a screaming figure on a bridge, expressionist", "painter",  # a figure: the portrait model renders it
     [("lcm-dreamshaper-v7", 0, None), ("lcm-dreamshaper-v7", 0, "the-scream"), ("sd-turbo", 1, "the-scream")]),
    ("abstract shapes and colours, geometric composition", "abstract",
     [("sd-turbo", 0, None), ("sd-turbo", 1, None), ("sd-turbo", 2, None)]),
    ("a dragon over a castle", "default", [("sd-turbo", 0, None), ("lcm-dreamshaper-v7", 0, None), ("sdxs-512", 0, None)]),
]


@pytest.mark.parametrize("prompt, rule, expected", TABLE)
def test_rules_table(analyzer, prompt, rule, expected):
    plan = select(prompt, analyzer.analyze(prompt).concepts, INSTALLED, RULES, count=3)
    assert plan.rule == rule
    assert [(r.model_id, r.seed_offset, r.restyle) for r in plan.runs] == expected
    assert all(r.reason for r in plan.runs)


def test_painter_names_match_whole_phrases_longest_first():
    assert find_painter("Hokusai's great wave", RULES["painters"]) == ("great wave", "great-wave")
    assert find_painter("a turnery workshop", RULES["painters"]) is None  # 'turner' inside a word
    assert find_painter("abstract expressionism, bold", RULES["painters"])[1] == "composition-vii"


def test_the_bandits_favourite_goes_first_with_its_reason():
    plan = select("a dragon", [("fantasy", 1.0)], INSTALLED, RULES, count=2,
                  prefer=("sdxs-512", "chosen for you: your best-rated so far (80% average)"))
    assert [r.model_id for r in plan.runs] == ["sdxs-512", "sd-turbo"]
    assert plan.runs[0].reason.startswith("chosen for you")


def test_one_model_installed_means_more_seeds_and_bad_counts_are_refused():
    plan = select("a dragon", [], ["sd-turbo"], RULES, count=3)
    assert [(r.model_id, r.seed_offset) for r in plan.runs] == [("sd-turbo", 0), ("sd-turbo", 1), ("sd-turbo", 2)]
    with pytest.raises(ValueError, match="No text-to-image model is installed"):
        select("a dragon", [], [], RULES)
    with pytest.raises(ValueError, match="1 to 4"):
        select("a dragon", [], INSTALLED, RULES, count=5)

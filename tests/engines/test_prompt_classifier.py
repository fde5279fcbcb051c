"""The shipped prompt classifier: how it is trained, what it scores on the labelled test split, and its fallback."""
import json
import logging

import numpy as np
import pytest

from bench.eval_prompts import load, score, train
from neurocanvas.engines.prompt_classifier import (NEIGHBOUR_SHARPNESS, PromptClassifier, fit, fit_calibrated,
                                                   nearest, neighbours, set_accuracy, softmax)
from neurocanvas.handlers import prompt_lab
from neurocanvas.handlers.prompt_lab import CLASSIFIER_FILE, build_analyzer, load_lexicon


@pytest.fixture(scope="module")
def rules(registry):
    return build_analyzer(registry, load_lexicon(), classifier=False)


@pytest.fixture(scope="module")
def classified(registry):
    analyzer = build_analyzer(registry, load_lexicon())
    assert analyzer.classifier is not None
    return analyzer


def test_the_labelled_set_is_large_varied_and_split():
    rows = load()
    lexicon = load_lexicon()
    assert len(rows) >= 250 and {r["split"] for r in rows} == {"train", "test"}
    test = load("test")
    assert len(test) >= 100 and not {r["prompt"] for r in test} & {r["prompt"] for r in load("train")}
    for field, labels in (("concepts", lexicon["concepts"]), ("moods", lexicon["moods"])):
        firsts = [r[field][0] for r in test]
        assert all(firsts.count(label) >= 4 for label in labels), field  # every label is tested
    assert any(len(r["prompt"].split(",")) >= 4 for r in test) and any(len(r["prompt"]) < 30 for r in test)
    assert sum(not r["prompt"].isascii() for r in rows) >= 5  # some prompts are not in English


def test_the_classifier_agrees_with_people_more_than_the_rules(rules, classified):
    """Measured on the test split (`make eval`): the classifier 93.2 / 87.4 / 87.4 %, the rules alone 86.4 / 70.9 /
    80.6 %. The thresholds sit a few prompts under (training is deterministic; they absorb lexicon edits)."""
    test = load("test")
    before, after = score(rules, test), score(classified, test)
    assert after["concept"]["accuracy"] >= 0.90 and after["concept"]["accuracy"] > before["concept"]["accuracy"]
    assert after["mood"]["accuracy"] >= 0.85 and after["mood"]["accuracy"] > before["mood"]["accuracy"] + 0.1
    assert after["sentiment"]["accuracy"] >= 0.85 and after["sentiment"]["accuracy"] > before["sentiment"]["accuracy"]
    for head in ("concept", "mood", "sentiment"):  # calibrated: scores near the share of acceptable answers
        assert after[head]["calibration_error"] < 0.16 and after[head]["calibration_error"] < before[head][
            "calibration_error"]


def test_the_shipped_file_is_what_the_train_split_gives(rules):
    """Training is deterministic, so anyone can rebuild presets/prompt_classifier.npz and get this file."""
    rebuilt, shipped = train(rules, load("train")), PromptClassifier.load(CLASSIFIER_FILE)
    for head in ("concept", "mood", "sentiment"):
        assert rebuilt.heads[head].labels == shipped.heads[head].labels
        assert np.allclose(rebuilt.heads[head].weights, shipped.heads[head].weights, atol=1e-4)
        assert rebuilt.heads[head].temperature == pytest.approx(shipped.heads[head].temperature)
        assert rebuilt.heads[head].neighbour_share == shipped.heads[head].neighbour_share
        assert np.array_equal(rebuilt.heads[head].example_labels, shipped.heads[head].example_labels)
    assert np.allclose(rebuilt.examples, shipped.examples, atol=1e-3)


def test_probabilities_and_a_close_call_are_reported(classified):
    analysis = classified.analyze("a knight's armour in a museum")
    concepts = dict(analysis.concepts)
    assert set(concepts) >= {"still life", "fantasy"} and sum(p for _, p in analysis.mood_scores) <= 1.0001
    assert any(n.startswith("A close call for the concept") for n in analysis.notes)
    clear = classified.analyze("a coral reef full of colourful fish")
    assert clear.concepts[0][0] == "underwater" and not any("close call" in n for n in clear.notes)


def test_fitting_maximises_the_acceptable_set():
    """Two acceptable labels for every row: the fit may put its mass on either, never on the third."""
    rng = np.random.default_rng(0)
    features = rng.normal(size=(60, 4))
    acceptable = np.zeros((60, 3))
    acceptable[:, 0] = acceptable[:, 1] = 1
    head = fit(features, acceptable, ["a", "b", "c"])
    assert set_accuracy(head.logits(features), acceptable) == 1.0
    assert softmax(head.logits(features))[:, 2].max() < 0.1


def test_neighbours_vote_with_their_acceptable_labels():
    """Each neighbour shares one vote among its acceptable labels; the closer it is, the more its vote counts."""
    examples = np.array([[1.0, 0.0], [0.96, 0.28], [0.0, 1.0]])  # similarity to the query: 1, 0.96, 0
    labels = np.array([[1, 0, 0], [0, 1, 1], [0, 0, 1]])
    p = neighbours(np.array([[1.0, 0.0]]), examples, labels)[0]
    second, third = np.exp(-0.04 / NEIGHBOUR_SHARPNESS), np.exp(-1 / NEIGHBOUR_SHARPNESS)  # the first weighs 1
    expected = np.array([1, second / 2, second / 2 + third])  # the second's vote is split between b and c
    assert p == pytest.approx(expected / expected.sum(), abs=1e-6)


def test_a_head_without_signal_leans_on_its_neighbours():
    """Features that say nothing, embeddings that say everything: the held-out folds pick the neighbours."""
    rng = np.random.default_rng(2)
    classes = rng.integers(0, 3, 150)
    vectors = np.eye(3)[classes] + rng.normal(scale=0.05, size=(150, 3))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    head = fit_calibrated(rng.normal(size=(150, 4)), np.eye(3)[classes], ["a", "b", "c"], vectors)
    assert head.neighbour_share >= 0.5 and head.example_labels.shape == (150, 3)
    assert head.probabilities(rng.normal(size=(1, 4)), nearest(vectors[:1], vectors))[0].argmax() == classes[0]


def test_the_temperature_softens_overconfident_noise():
    rng = np.random.default_rng(1)
    features = rng.normal(size=(100, 20))
    acceptable = np.eye(2)[rng.integers(0, 2, 100)]  # labels unrelated to the features
    assert fit_calibrated(features, acceptable, ["a", "b"]).temperature > 1.0


def test_an_unreadable_classifier_file_falls_back_to_the_rules(registry, tmp_path, monkeypatch, caplog):
    broken = tmp_path / "prompt_classifier.npz"
    broken.write_bytes(b"not a numpy file")
    monkeypatch.setattr(prompt_lab, "CLASSIFIER_FILE", broken)
    with caplog.at_level(logging.WARNING):
        analyzer = build_analyzer(registry, json.loads(json.dumps(load_lexicon())))
    assert analyzer.classifier is None and "unreadable" in caplog.text
    assert analyzer.analyze("a misty forest at dawn").mood


def test_another_encoder_is_measured_the_way_minilm_is(rules, registry, tmp_path):
    """bench.eval_encoder swaps only the prompt's vector: given MiniLM itself as the other encoder, it scores exactly
    what MiniLM scores, and the ONNX Runtime export it times gives torch's vectors."""
    from bench.eval_encoder import compare, onnx_encoder, with_vectors

    encode = lambda texts: np.stack([rules.embed([t])[0] for t in texts])  # noqa: E731  (one by one, as evidence)
    results = compare(rules, encode)
    assert results["other"] == results["minilm"] and results["minilm"]["concept"] >= 0.9
    evidence = [rules.evidence("a misty pine forest at dawn")]
    swapped = with_vectors(evidence, np.ones((1, 384)))[0]
    for head in ("concept", "mood", "sentiment"):
        assert np.all(swapped[head][:384] == 1) and np.array_equal(swapped[head][384:], evidence[0][head][384:])
    fast = onnx_encoder(registry.get("minilm"), tmp_path)
    for prompt in ("a misty pine forest at dawn", "neon-lit rainy street in a cyberpunk megacity, 4k"):
        assert float(fast(prompt) @ encode([prompt])[0]) > 0.9999

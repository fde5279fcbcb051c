"""Concept, mood and sentiment as people label them: logistic regression on the prompt's MiniLM embedding plus
the lexicon's own evidence, trained on the labelled set's train split (tests/data/prompts_labelled.jsonl) and
shipped as presets/prompt_classifier.npz (about 50 KB).

Pure numpy. A prompt may have several acceptable labels, so training maximises the probability of the
acceptable set (not of one of its members), and a temperature fitted on held-out folds makes the scores
calibrated: a mood given 0.6 is acceptable about six times in ten.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

HEADS = ("concept", "mood", "sentiment")
L2_CHOICES = (1e-4, 1e-3, 1e-2)  # picked per head by 5-fold cross-validation on the train split
STEPS = 400
LEARNING_RATE = 0.5
TEMPERATURES = np.linspace(0.3, 4.0, 38)


@dataclasses.dataclass
class Head:
    labels: list[str]
    weights: np.ndarray  # (features, labels)
    bias: np.ndarray  # (labels,)
    temperature: float = 1.0

    def logits(self, features: np.ndarray) -> np.ndarray:
        return features @ self.weights + self.bias

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        return softmax(self.logits(features) / self.temperature)


class PromptClassifier:
    def __init__(self, heads: dict[str, Head]) -> None:
        self.heads = heads

    def ranked(self, head: str, features: np.ndarray) -> list[tuple[str, float]]:
        """Labels with their calibrated probabilities, most likely first."""
        h = self.heads[head]
        probabilities = h.probabilities(features[None].astype(np.float32))[0]
        order = np.argsort(-probabilities)
        return [(h.labels[i], float(probabilities[i])) for i in order]

    def save(self, path: Path) -> None:
        arrays = {}
        for name, h in self.heads.items():
            arrays.update({f"{name}_weights": h.weights.astype(np.float32), f"{name}_bias": h.bias.astype(np.float32),
                           f"{name}_labels": np.array(h.labels), f"{name}_temperature": np.array(h.temperature)})
        tmp = Path(path).with_suffix(".tmp.npz")
        np.savez_compressed(tmp, **arrays)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "PromptClassifier":
        with np.load(path, allow_pickle=False) as data:
            return cls({name: Head(labels=[str(s) for s in data[f"{name}_labels"]], weights=data[f"{name}_weights"],
                                   bias=data[f"{name}_bias"], temperature=float(data[f"{name}_temperature"]))
                        for name in HEADS})


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def set_loss(logits: np.ndarray, acceptable: np.ndarray) -> float:
    """Mean negative log-probability of the acceptable set."""
    p = softmax(logits)
    return float(-np.log(np.maximum((p * acceptable).sum(axis=1), 1e-12)).mean())


def fit(features: np.ndarray, acceptable: np.ndarray, labels: list[str], l2: float = 1e-3) -> Head:
    """Full-batch gradient descent with momentum: deterministic, so the shipped file can be rebuilt exactly."""
    n, d = features.shape
    weights, bias = np.zeros((d, len(labels))), np.zeros(len(labels))
    velocity_w, velocity_b = np.zeros_like(weights), np.zeros_like(bias)
    for _ in range(STEPS):
        p = softmax(features @ weights + bias)
        q = p * acceptable
        q /= np.maximum(q.sum(axis=1, keepdims=True), 1e-12)
        grad = (p - q) / n  # d(-log sum_acceptable p)/d logits
        velocity_w = 0.9 * velocity_w - LEARNING_RATE * (features.T @ grad + l2 * weights)
        velocity_b = 0.9 * velocity_b - LEARNING_RATE * grad.sum(axis=0)
        weights, bias = weights + velocity_w, bias + velocity_b
    return Head(labels=list(labels), weights=weights, bias=bias)


def set_accuracy(logits: np.ndarray, acceptable: np.ndarray) -> float:
    return float(acceptable[np.arange(len(logits)), logits.argmax(axis=1)].mean())


def fit_calibrated(features: np.ndarray, acceptable: np.ndarray, labels: list[str], folds: int = 5) -> Head:
    """The L2 strength and the temperature come from out-of-fold logits (in-sample ones are overconfident); the
    head is then fitted on every row."""
    fold_of = np.arange(len(features)) % folds
    best = None
    for l2 in L2_CHOICES:
        held_out = np.zeros((len(features), len(labels)))
        for k in range(folds):
            train = fold_of != k
            held_out[~train] = fit(features[train], acceptable[train], labels, l2).logits(features[~train])
        key = (set_accuracy(held_out, acceptable), -set_loss(held_out, acceptable))
        if best is None or key > best[0]:
            best = (key, l2, held_out)
    _, l2, held_out = best
    head = fit(features, acceptable, labels, l2)
    head.temperature = float(min(TEMPERATURES, key=lambda t: set_loss(held_out / t, acceptable)))
    return head

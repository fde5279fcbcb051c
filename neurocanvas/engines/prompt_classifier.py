"""Concept, mood and sentiment as people label them: logistic regression on the prompt's MiniLM embedding plus
the lexicon's own evidence, blended with the labels of the most similar labelled prompts, trained on the labelled
set's train split (tests/data/prompts_labelled.jsonl) and shipped as presets/prompt_classifier.npz (about 0.6 MB:
the train prompts' embeddings in float16 are most of it).

Pure numpy. A prompt may have several acceptable labels, so training maximises the probability of the
acceptable set (not of one of its members). The neighbours' share and a temperature are fitted on held-out
folds, which makes the scores calibrated: a mood given 0.6 is acceptable about six times in ten. The neighbours
catch what a linear model on one sentence vector cannot ("skeletons having a tea party" is playful).
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
NEIGHBOUR_SHARES = (0.0, 0.25, 0.375, 0.5, 0.625, 0.75)  # the neighbours' part of the answer, picked per head
# NEIGHBOURS and NEIGHBOUR_SHARPNESS were picked by 5-fold cross-validation on the train split, the same for all heads
NEIGHBOURS = 15
NEIGHBOUR_SHARPNESS = 0.1  # similarity temperature: a neighbour 0.1 closer counts e times more


@dataclasses.dataclass
class Head:
    labels: list[str]
    weights: np.ndarray  # (features, labels)
    bias: np.ndarray  # (labels,)
    temperature: float = 1.0
    neighbour_share: float = 0.0
    example_labels: np.ndarray | None = None  # (examples, labels): each labelled prompt's acceptable set

    def logits(self, features: np.ndarray) -> np.ndarray:
        return features @ self.weights + self.bias

    def probabilities(self, features: np.ndarray, near: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """`near`: each row's nearest labelled prompts and their weights (`nearest`), shared by the three heads."""
        p = softmax(self.logits(features))
        if self.neighbour_share and near is not None:
            p = (1 - self.neighbour_share) * p + self.neighbour_share * vote(*near, self.example_labels)
        return sharpen(p, self.temperature)


class PromptClassifier:
    def __init__(self, heads: dict[str, Head], examples: np.ndarray | None = None) -> None:
        self.heads = heads
        self.examples = examples  # (examples, dims): the labelled prompts' embeddings

    def ranked(self, evidence: dict[str, np.ndarray], vector: np.ndarray) -> dict[str, list[tuple[str, float]]]:
        """Per head, the labels with their calibrated probabilities, most likely first; `evidence` holds each head's
        features, `vector` the prompt's embedding (its neighbours are looked up once for the three heads)."""
        near = None if self.examples is None else nearest(vector[None].astype(np.float32), self.examples)
        ranked = {}
        for head, h in self.heads.items():
            probabilities = h.probabilities(evidence[head][None].astype(np.float32), near)[0]
            ranked[head] = [(h.labels[i], float(probabilities[i])) for i in np.argsort(-probabilities)]
        return ranked

    def save(self, path: Path) -> None:
        arrays = {} if self.examples is None else {"examples": self.examples.astype(np.float16)}
        for name, h in self.heads.items():
            arrays.update({f"{name}_weights": h.weights.astype(np.float32), f"{name}_bias": h.bias.astype(np.float32),
                           f"{name}_labels": np.array(h.labels), f"{name}_temperature": np.array(h.temperature),
                           f"{name}_neighbour_share": np.array(h.neighbour_share)})
            if h.example_labels is not None:
                arrays[f"{name}_example_labels"] = h.example_labels.astype(np.uint8)
        tmp = Path(path).with_suffix(".tmp.npz")
        np.savez_compressed(tmp, **arrays)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "PromptClassifier":
        with np.load(path, allow_pickle=False) as data:
            optional = lambda key: data[key] if key in data else None  # noqa: E731
            heads = {name: Head(labels=[str(s) for s in data[f"{name}_labels"]], weights=data[f"{name}_weights"],
                                bias=data[f"{name}_bias"], temperature=float(data[f"{name}_temperature"]),
                                neighbour_share=float(optional(f"{name}_neighbour_share") or 0.0),
                                example_labels=optional(f"{name}_example_labels"))
                     for name in HEADS}
            examples = optional("examples")
            return cls(heads, None if examples is None else examples.astype(np.float32))


def neighbours(vectors: np.ndarray, examples: np.ndarray, example_labels: np.ndarray) -> np.ndarray:
    """Label probabilities from the most similar labelled prompts, each sharing its vote among its acceptable
    labels and weighted by its similarity."""
    return vote(*nearest(vectors, examples), example_labels)


def nearest(vectors: np.ndarray, examples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each vector's NEIGHBOURS most similar examples (indices) and their weights."""
    similarity = vectors @ examples.T
    k = min(NEIGHBOURS, examples.shape[0])
    index = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
    return index, np.exp((np.take_along_axis(similarity, index, axis=1) - 1) / NEIGHBOUR_SHARPNESS)


def vote(index: np.ndarray, weight: np.ndarray, example_labels: np.ndarray) -> np.ndarray:
    votes = example_labels[index].astype(np.float64)
    votes /= np.maximum(votes.sum(axis=-1, keepdims=True), 1)
    p = (weight[:, :, None] * votes).sum(axis=1)
    return p / np.maximum(p.sum(axis=1, keepdims=True), 1e-12)


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def sharpen(p: np.ndarray, temperature: float) -> np.ndarray:
    """p ** (1/t), renormalised: the same as dividing the logits by t when p is a softmax."""
    q = np.exp(np.log(np.maximum(p, 1e-12)) / temperature)
    return q / q.sum(axis=-1, keepdims=True)


def top_answer_brier(p: np.ndarray, acceptable: np.ndarray) -> float:
    """How far the top answer's probability is from whether it was acceptable: the score users see, calibrated."""
    top = p.argmax(axis=1)
    return float(((p[np.arange(len(p)), top] - acceptable[np.arange(len(p)), top]) ** 2).mean())


def set_loss(logits: np.ndarray, acceptable: np.ndarray) -> float:
    """Mean negative log-probability of the acceptable set."""
    return probability_loss(softmax(logits), acceptable)


def probability_loss(p: np.ndarray, acceptable: np.ndarray) -> float:
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


def fit_calibrated(features: np.ndarray, acceptable: np.ndarray, labels: list[str], vectors: np.ndarray | None = None,
                   folds: int = 5) -> Head:
    """The L2 strength, the neighbours' share and the temperature come from out-of-fold answers (in-sample ones are
    overconfident); the head is then fitted on every row. Without `vectors` (the rows' embeddings) there are no
    neighbours."""
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
    near = np.zeros_like(held_out)
    if vectors is not None:
        for k in range(folds):
            train = fold_of != k
            near[~train] = neighbours(vectors[~train], vectors[train], acceptable[train])
    choices = []  # the share by accuracy (sharpening keeps the order), then the temperature by the top answer's score
    for share in NEIGHBOUR_SHARES if vectors is not None else (0.0,):
        p = (1 - share) * softmax(held_out) + share * near
        choices.append(((set_accuracy(p, acceptable), -probability_loss(p, acceptable)), share, p))
    _, share, p = max(choices, key=lambda c: c[:2])
    temperature = float(min(TEMPERATURES, key=lambda t: top_answer_brier(sharpen(p, t), acceptable)))
    head = fit(features, acceptable, labels, l2)
    head.temperature, head.neighbour_share = temperature, share
    if share:
        head.example_labels = acceptable.astype(np.uint8)
    return head

"""Recommendations, pure: prompts like the ones a user liked (content-based), prompts liked by users with
similar tastes (collaborative), trending arms, and arms the user has not explored yet.

Vectors come in already computed (sentence embeddings, L2-normalised; preference vectors of arm means).
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np


@dataclasses.dataclass
class Suggestion:
    text: str
    score: float
    reason: str


def content_based(liked: list[str], liked_vectors: np.ndarray, candidates: list[str], candidate_vectors: np.ndarray,
                  preferred_words: list[str], k: int = 5) -> list[Suggestion]:
    """Candidates closest to what the user liked; a mention of a preferred style or mood adds a little."""
    if not liked or not candidates:
        return []
    similarity = candidate_vectors @ liked_vectors.T  # cosine: both sides are normalised
    taken = {t.strip().lower() for t in liked}
    out = []
    for i, text in enumerate(candidates):
        if text.strip().lower() in taken:
            continue
        nearest = int(similarity[i].argmax())
        words = [w for w in preferred_words if w.lower() in text.lower()]
        score = float(similarity[i].max()) + 0.1 * len(words)
        reason = f"like “{_short(liked[nearest])}” that you liked" + (f"; has {', '.join(words)}" if words else "")
        out.append(Suggestion(text, round(score, 3), reason))
    return sorted(out, key=lambda s: -s.score)[:k]


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    keys = set(a) & set(b)
    dot = sum(a[k] * b[k] for k in keys)
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def collaborative(me: dict[str, float], others: dict[str, dict[str, float]], shared: dict[str, list[str]],
                  mine: set[str], k: int = 5, min_similarity: float = 0.5) -> list[Suggestion]:
    """What users whose preference vectors point the same way as mine liked, without their private text:
    the arms they liked and I have not, as tags counted over them, then prompts of images they shared."""
    neighbours = [(s, name) for s, name in sorted(((cosine(me, v), n) for n, v in others.items()), reverse=True)
                  if s >= min_similarity]
    tags: dict[str, list[float]] = {}
    for similarity, name in neighbours:
        for arm, value in others[name].items():
            if value > 0 and me.get(arm, 0.0) <= 0:
                tags.setdefault(arm, []).append(similarity)
    out = [Suggestion(arm.replace(":", ": ", 1), round(max(sims), 3),
                      f"liked by {len(sims)} {'person' if len(sims) == 1 else 'people'} with similar taste")
           for arm, sims in sorted(tags.items(), key=lambda item: (-len(item[1]), -max(item[1]), item[0]))]
    seen = {m.strip().lower() for m in mine}
    for similarity, name in neighbours:
        for text in shared.get(name, []):
            if text.strip().lower() not in seen:
                seen.add(text.strip().lower())
                out.append(Suggestion(text, round(similarity, 3),
                                      f"shared by someone with similar taste (similarity {similarity:.2f})"))
    return out[:k]


def preference_vector(states: dict[str, tuple[int, float]]) -> dict[str, float]:
    """'family:arm' -> mean reward in [0, 1] minus 0.5, so liking and disliking point opposite ways."""
    return {arm: reward_sum / pulls - 0.5 for arm, (pulls, reward_sum) in states.items() if pulls > 0}


def explore(arms: list[str], pulls: dict[str, int]) -> str | None:
    """The arm the user has tried least (never tried first), for "explore something new"."""
    return min(arms, key=lambda a: (pulls.get(a, 0), arms.index(a))) if arms else None


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

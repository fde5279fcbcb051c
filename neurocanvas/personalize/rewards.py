"""From feedback to rewards: the plan's values, and their mapping to [0, 1] for the bandits."""
from __future__ import annotations

KINDS = ("rating", "like", "favourite", "share", "download", "vote", "skip")
FIXED = {"like": 0.5, "favourite": 1.0, "share": 0.8, "download": 0.6, "skip": -0.2}


def reward(kind: str, value: float = 0.0) -> float:
    """rating: (stars - 3) / 2; vote: +1 win / -1 loss; like +0.5, favourite +1, share +0.8, download +0.6,
    no interaction (skip) -0.2. The result lies in [-1, 1]."""
    if kind == "rating":
        if value not in (1, 2, 3, 4, 5):
            raise ValueError(f"A rating is 1 to 5 stars, not {value}.")
        return (value - 3) / 2
    if kind == "vote":
        if value not in (-1, 1):
            raise ValueError("A vote is +1 (won) or -1 (lost).")
        return float(value)
    if kind in FIXED:
        return FIXED[kind]
    raise ValueError(f"Unknown feedback {kind!r}; one of {', '.join(KINDS)}.")


def to_unit(value: float) -> float:
    """[-1, 1] -> [0, 1] for algorithms that need a probability-like reward."""
    return (max(-1.0, min(1.0, value)) + 1.0) / 2.0

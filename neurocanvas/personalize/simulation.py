"""Simulated users with known tastes, to check that each bandit finds their favourite and how fast.

Used by the tests (best-arm rate, sublinear regret) and by `make bench` (regret curves and their plot).
"""
from __future__ import annotations

import random

from neurocanvas.personalize.bandits import make, update

USERS = {  # the chance that a result of each arm gets a positive reaction
    "likes-turbo": {"sd-turbo": 0.8, "lcm": 0.5, "sdxs": 0.35, "sd21": 0.2},
    "likes-styles": {"starry-night": 0.3, "great-wave": 0.75, "the-scream": 0.45, "udnie": 0.5, "tahiti": 0.2},
}


def simulate(algorithm: str, tastes: dict[str, float], rounds: int = 1000, seed: int = 0) -> tuple[list[str], list[float]]:
    """(arm picked each round, cumulative regret after each round) for one simulated user."""
    rng = random.Random(seed)
    bandit, state, arms = make(algorithm), {}, list(tastes)
    best = max(tastes.values())
    picks, regret, total = [], [], 0.0
    for _ in range(rounds):
        arm = bandit.choose(arms, state, rng).arm
        update(state, arm, 1.0 if rng.random() < tastes[arm] else 0.0)
        picks.append(arm)
        total += best - tastes[arm]
        regret.append(total)
    return picks, regret


def mean_regret(algorithm: str, tastes: dict[str, float], rounds: int = 1000, seeds: int = 5) -> list[float]:
    curves = [simulate(algorithm, tastes, rounds, seed)[1] for seed in range(seeds)]
    return [sum(values) / seeds for values in zip(*curves)]

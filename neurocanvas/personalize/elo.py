"""Elo ratings from votes: a pick among 2-4 images counts as a win over each image not picked."""
from __future__ import annotations

K = 32.0
START = 1000.0


def expected(rating_a: float, rating_b: float) -> float:
    """The chance that A beats B."""
    return 1.0 / (1.0 + 10 ** ((rating_b - rating_a) / 400.0))


def update(winner: float, loser: float, k: float = K) -> tuple[float, float]:
    """New (winner, loser) ratings after one game."""
    change = k * (1.0 - expected(winner, loser))
    return winner + change, loser - change


def vote(ratings: dict[str, float], winner: str, others: list[str], k: float = K) -> dict[str, float]:
    """Ratings after `winner` beat each of `others`, games played in order; items sharing the winner's name are skipped."""
    ratings = dict(ratings)
    for other in others:
        if other == winner:
            continue  # two images of the same model: no game between a model and itself
        ratings.setdefault(winner, START)
        ratings.setdefault(other, START)
        ratings[winner], ratings[other] = update(ratings[winner], ratings[other], k)
    return ratings

"""Multi-armed bandits: epsilon-greedy (with decay), UCB1 and Thompson sampling over Beta posteriors.

Each is small and pure: the state is a dict of arm -> ArmState that the store persists per user and
algorithm; `choose` picks an arm and says why (the UI shows it as "chosen for you"); `update` takes a
reward in [0, 1].
"""
from __future__ import annotations

import dataclasses
import hashlib
import math
import random
from typing import Protocol


@dataclasses.dataclass
class ArmState:
    pulls: int = 0
    reward_sum: float = 0.0
    alpha: float = 1.0  # Beta posterior for Thompson sampling: 1 + sum of rewards
    beta: float = 1.0  # 1 + sum of (1 - reward)

    @property
    def mean(self) -> float:
        return self.reward_sum / self.pulls if self.pulls else 0.0


@dataclasses.dataclass
class Choice:
    arm: str
    reason: str


class Bandit(Protocol):
    name: str

    def choose(self, arms: list[str], state: dict[str, ArmState], rng: random.Random) -> Choice: ...


def update(state: dict[str, ArmState], arm: str, reward: float) -> ArmState:
    """Record one reward in [0, 1] for an arm (shared by every algorithm, so switching keeps the history)."""
    if not 0.0 <= reward <= 1.0 or math.isnan(reward):
        raise ValueError(f"A bandit reward must be in [0, 1], not {reward}.")
    arm_state = state.setdefault(arm, ArmState())
    arm_state.pulls += 1
    arm_state.reward_sum += reward
    arm_state.alpha += reward
    arm_state.beta += 1.0 - reward
    return arm_state


def _untried(arms: list[str], state: dict[str, ArmState]) -> str | None:
    return next((a for a in arms if state.get(a, ArmState()).pulls == 0), None)


class EpsilonGreedy:
    """Try each arm once; then explore with probability epsilon / (1 + decay * t), else take the best average."""

    name = "epsilon_greedy"

    def __init__(self, epsilon: float = 0.1, decay: float = 0.005) -> None:
        if not 0 <= epsilon <= 1 or decay < 0:
            raise ValueError("epsilon must be in [0, 1] and decay at least 0.")
        self.epsilon, self.decay = epsilon, decay

    def choose(self, arms: list[str], state: dict[str, ArmState], rng: random.Random) -> Choice:
        untried = _untried(arms, state)
        if untried is not None:
            return Choice(untried, "not tried yet")
        total = sum(state.get(a, ArmState()).pulls for a in arms)
        if rng.random() < self.epsilon / (1 + self.decay * total):
            return Choice(rng.choice(arms), "exploring something new")
        best = max(arms, key=lambda a: (state.get(a, ArmState()).mean, -arms.index(a)))
        return Choice(best, f"your best-rated so far ({state.get(best, ArmState()).mean:.0%} average)")


class UCB1:
    """Average reward plus sqrt(2 ln N / n): tries each arm once, then favours good or little-known arms."""

    name = "ucb1"

    def choose(self, arms: list[str], state: dict[str, ArmState], rng: random.Random) -> Choice:
        untried = _untried(arms, state)
        if untried is not None:
            return Choice(untried, "not tried yet")
        total = sum(state[a].pulls for a in arms)

        def bound(a: str) -> float:
            return state[a].mean + math.sqrt(2 * math.log(total) / state[a].pulls)

        best = max(arms, key=bound)
        return Choice(best, f"high rating or little known ({state[best].mean:.0%} average over {state[best].pulls})")


class Thompson:
    """Draw from each arm's Beta posterior and take the highest draw."""

    name = "thompson"

    def choose(self, arms: list[str], state: dict[str, ArmState], rng: random.Random) -> Choice:
        draws = {a: rng.betavariate(state.get(a, ArmState()).alpha, state.get(a, ArmState()).beta) for a in arms}
        best = max(arms, key=draws.get)
        return Choice(best, f"likely favourite ({state.get(best, ArmState()).mean:.0%} average so far)")


def rank(bandit: Bandit, arms: list[str], state: dict[str, ArmState], rng: random.Random) -> list[Choice]:
    """An order for a list the user sees (preset order): the bandit picks first place, then second from the rest..."""
    remaining, order = list(arms), []
    while remaining:
        choice = bandit.choose(remaining, state, rng) if len(remaining) > 1 else Choice(remaining[0], "the last one")
        order.append(choice)
        remaining.remove(choice.arm)
    return order


ALGORITHMS = {"epsilon_greedy": EpsilonGreedy, "ucb1": UCB1, "thompson": Thompson}


def make(name: str, epsilon: float = 0.1) -> Bandit:
    if name not in ALGORITHMS:
        raise ValueError(f"Unknown algorithm {name!r}; choose one of {', '.join(ALGORITHMS)}.")
    return EpsilonGreedy(epsilon) if name == "epsilon_greedy" else ALGORITHMS[name]()


def assigned(user: str) -> str:
    """The A/B test's algorithm for a user: fixed by the name, so every process agrees without asking."""
    names = sorted(ALGORITHMS)
    return names[int(hashlib.sha256(user.encode()).hexdigest(), 16) % len(names)]

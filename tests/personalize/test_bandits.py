"""Simulated users with known tastes: every algorithm must find the best arm, with sublinear regret."""
import random

import pytest

from neurocanvas.personalize.bandits import ALGORITHMS, UCB1, ArmState, EpsilonGreedy, make, rank, update
from neurocanvas.personalize.rewards import reward, to_unit
from neurocanvas.personalize.simulation import USERS, simulate


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
@pytest.mark.parametrize("user", sorted(USERS))
def test_finds_the_best_arm_with_sublinear_regret(algorithm, user):
    tastes = USERS[user]
    best_arm = max(tastes, key=tastes.get)
    rates, growth = [], []
    for seed in range(5):
        picks, regret = simulate(algorithm, tastes, seed=seed)
        rates.append(picks[-200:].count(best_arm) / 200)
        growth.append((regret[999] - regret[499]) / regret[499])
    assert sum(rates) / len(rates) >= 0.8, rates
    assert sum(growth) / len(growth) < 1.0, growth  # the second 500 rounds add less regret than the first 500


def test_rewards_follow_the_plan():
    assert [reward("rating", s) for s in (1, 3, 5)] == [-1.0, 0.0, 1.0]
    assert (reward("like"), reward("favourite"), reward("share"), reward("download"), reward("skip")) == (0.5, 1.0, 0.8, 0.6, -0.2)
    assert reward("vote", 1) == 1.0 and to_unit(-1) == 0.0 and to_unit(0.5) == 0.75
    for stars in (0, 6, 3.5):
        with pytest.raises(ValueError, match="1 to 5 stars"):
            reward("rating", stars)


def test_bad_rewards_and_parameters_are_refused():
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        update({}, "a", 1.5)
    with pytest.raises(ValueError, match="Unknown algorithm"):
        make("random")
    with pytest.raises(ValueError, match="epsilon"):
        EpsilonGreedy(epsilon=2)


def test_choices_explain_themselves():
    state = {"a": ArmState(pulls=10, reward_sum=9, alpha=10, beta=2), "b": ArmState(pulls=10, reward_sum=1, alpha=2, beta=10)}
    rng = random.Random(0)
    assert make("ucb1").choose(["a", "b"], state, rng).arm == "a"
    assert make("ucb1").choose(["a", "b", "c"], state, rng).reason == "not tried yet"
    assert "best-rated" in EpsilonGreedy(epsilon=0).choose(["a", "b"], state, rng).reason


def test_rank_orders_every_arm_once():
    state = {"a": ArmState(), "b": ArmState(), "c": ArmState()}
    for arm, value in (("a", 0.2), ("b", 0.9), ("c", 0.5)):
        update(state, arm, value)
    order = rank(EpsilonGreedy(epsilon=0.0), ["a", "b", "c"], state, random.Random(0))
    assert [c.arm for c in order] == ["b", "c", "a"] and order[-1].reason == "the last one"
    untried = rank(UCB1(), ["x", "b", "y"], state, random.Random(0))
    assert [c.arm for c in untried][:2] == ["x", "y"]  # UCB1 tries unknown arms first

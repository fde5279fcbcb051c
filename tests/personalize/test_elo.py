import pytest

from neurocanvas.personalize.elo import expected, update, vote


def test_equal_ratings_move_by_half_k():
    assert expected(1000, 1000) == 0.5
    assert update(1000, 1000) == (1016.0, 984.0)


def test_hand_computed_upset():
    # A (1200) loses to B (1000): E_B = 1 / (1 + 10^(200/400)) = 0.24025; B gains 32 * 0.75975 = 24.312
    winner, loser = update(1000, 1200)
    assert winner == pytest.approx(1024.312, abs=1e-3) and loser == pytest.approx(1175.688, abs=1e-3)


def test_a_pick_among_three_beats_each_other_image_in_turn():
    ratings = vote({}, "sd-turbo", ["sd-turbo", "lcm", "sdxs"])
    assert ratings["sd-turbo"] == pytest.approx(1016 + 32 * (1 - expected(1016, 1000)))
    assert ratings["lcm"] == 984.0 and ratings["sdxs"] < 1000
    assert sum(ratings.values()) == pytest.approx(3000)  # Elo is zero-sum

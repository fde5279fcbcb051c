"""The pure recommendation maths: nearest liked prompts, similar users, least explored arms."""
import numpy as np

from neurocanvas.personalize.recommend import collaborative, content_based, cosine, explore, preference_vector


def test_content_based_ranks_by_similarity_and_skips_what_was_liked():
    liked = ["a red fox"]
    candidates = ["a red fox", "a fox in snow", "a city"]
    vectors = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]])
    out = content_based(liked, vectors[:1], candidates, vectors, preferred_words=["city"], k=5)
    assert [s.text for s in out] == ["a fox in snow", "a city"]  # 0.8 beats 0.0 + 0.1
    assert out[1].reason.endswith("has city")


def test_collaborative_uses_only_users_with_similar_taste():
    me = preference_vector({"model:a": (4, 3.6), "style:x": (2, 0.2)})
    others = {"twin": preference_vector({"model:a": (5, 4.5), "style:x": (5, 0.5)}),
              "opposite": preference_vector({"model:a": (5, 0.5), "style:x": (5, 4.5)})}
    likes = {"twin": ["p1", "mine"], "opposite": ["p2"]}
    out = collaborative(me, others, likes, mine={"mine"})
    assert [s.text for s in out] == ["p1"] and cosine(me, others["opposite"]) < 0


def test_explore_picks_the_least_tried_arm():
    assert explore(["a", "b", "c"], {"a": 3, "b": 1}) == "c"
    assert explore(["a", "b"], {"a": 3, "b": 1}) == "b" and explore([], {}) is None

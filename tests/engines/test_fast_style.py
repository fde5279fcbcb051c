"""The feed-forward network: it starts as the identity, learns a style from a few photos, and runs in one pass."""
import numpy as np
import pytest
import torch

from neurocanvas.engines.fast_style import FastStyle, Request, build_network, train
from neurocanvas.engines.style_transfer import EfficientNetTaps, resize_long_side
from tests.engines.test_style_transfer import gram_distance, photo, shared_style


@pytest.fixture(scope="module")
def taps(registry):
    return EfficientNetTaps(registry.get("efficientnet-lite0"))


def test_an_untrained_network_returns_the_photo():
    picture = photo("coffee")
    result = FastStyle(build_network(8).eval())(Request(content=picture, size=130))  # odd sizes are padded, then cropped
    expected = np.asarray(resize_long_side(picture, 130), dtype=np.int16)
    assert result.image.size == (130, 87)
    assert np.abs(np.asarray(result.image, dtype=np.int16) - expected).max() <= 1


def test_strength_blends_towards_the_photo_and_keep_colours_keeps_them():
    torch.manual_seed(0)
    network = build_network(8).eval()
    torch.nn.init.normal_(network.body[-1][-1].weight, std=0.5)  # a network that changes the picture a lot
    picture = photo("chelsea")
    full = np.asarray(FastStyle(network)(Request(content=picture, size=128)).image, dtype=np.float32)
    half = np.asarray(FastStyle(network)(Request(content=picture, size=128, strength=0.5)).image, dtype=np.float32)
    original = np.asarray(resize_long_side(picture, 128), dtype=np.float32)
    assert np.abs(half - original).mean() < 0.6 * np.abs(full - original).mean()
    with pytest.raises(ValueError, match="Strength"):
        FastStyle(network)(Request(content=picture, strength=0))


# Measured: 100 steps at 128 px take ~8 s here; the style loss falls ~2.3x and the Gram distance to the
# painting drops from 0.36 (the photo) to 0.21 on a photo the network never saw.
def test_training_learns_the_style_on_unseen_photos(taps):
    painting = shared_style("the_scream.jpg")
    result = train(taps, painting, [photo("coffee"), photo("rocket")], steps=100, size=128, batch_size=2,
                   channels=8, learning_rate=5e-3)
    first, last = np.mean(result.style_loss[:5]), np.mean(result.style_loss[-10:])
    assert last < first / 2
    unseen = photo("chelsea")
    styled = FastStyle(result.network)(Request(content=unseen, size=128)).image
    assert gram_distance(taps, styled, painting, 128) < 0.75 * gram_distance(taps, unseen, painting, 128)


def test_training_refuses_nonsense(taps):
    with pytest.raises(ValueError, match="at least one photo"):
        train(taps, photo("coffee"), [], steps=1)
    with pytest.raises(ValueError, match="Steps must be"):
        train(taps, photo("coffee"), [photo("coffee")], steps=0)

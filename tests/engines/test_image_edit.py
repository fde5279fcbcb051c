"""Edit steps: each one does what it says on real pixels, and a bad step is refused before any work."""
import numpy as np
import pytest
from PIL import Image

from neurocanvas.engines import image_edit
from neurocanvas.engines.image_edit import InvalidEdit, apply, check_steps


def quadrants(width=40, height=20) -> Image.Image:
    """Red top-left, green top-right, blue bottom-left, white bottom-right: where each colour lands is checkable."""
    array = np.zeros((height, width, 3), np.uint8)
    array[: height // 2, : width // 2] = (255, 0, 0)
    array[: height // 2, width // 2:] = (0, 255, 0)
    array[height // 2:, : width // 2] = (0, 0, 255)
    array[height // 2:, width // 2:] = (255, 255, 255)
    return Image.fromarray(array)


def corner(image):
    return image.getpixel((0, 0))


def test_quarter_turns_and_flips_move_the_corners():
    image = quadrants()
    left = apply(image, [{"op": "rotate", "degrees": 90}])  # counter-clockwise: the top-right comes to the top-left
    assert left.size == (20, 40) and corner(left) == (0, 255, 0)
    assert corner(apply(image, [{"op": "rotate", "degrees": -90}])) == (0, 0, 255)
    assert corner(apply(image, [{"op": "flip", "axis": "horizontal"}])) == (0, 255, 0)
    assert corner(apply(image, [{"op": "flip", "axis": "vertical"}])) == (0, 0, 255)
    assert np.array_equal(np.asarray(apply(image, [{"op": "rotate", "degrees": 90}] * 4)), np.asarray(image))
    tilted = apply(image, [{"op": "rotate", "degrees": 30}])
    assert tilted.width > image.width and tilted.height > image.height  # the canvas grows to keep every corner


def test_crop_in_fractions_and_with_a_fixed_ratio():
    image = quadrants(40, 20)
    box = apply(image, [{"op": "crop", "left": 0.5, "top": 0.5, "width": 0.5, "height": 0.5}])
    assert box.size == (20, 10) and {tuple(p) for p in np.asarray(box).reshape(-1, 3).tolist()} == {(255, 255, 255)}
    square = apply(image, [{"op": "crop", "ratio": "1:1", "left": 0, "top": 0, "width": 1, "height": 1}])
    assert square.size == (20, 20)  # the largest square inside the box, centred
    assert image_edit.crop_box({"left": 0, "top": 0, "width": 1, "height": 1, "ratio": "16:9"}, 100, 100) == (0, 22, 100, 78)


def test_resize_and_adjustments():
    image = quadrants()
    assert apply(image, [{"op": "resize", "width": 64, "height": 32}]).size == (64, 32)
    dark = apply(image, [{"op": "adjust", "brightness": 0.5}])
    assert np.asarray(dark).mean() == pytest.approx(np.asarray(image).mean() * 0.5, abs=2)
    grey = np.asarray(apply(image, [{"op": "adjust", "saturation": 0.0}])).astype(int)
    assert np.abs(grey[..., 0] - grey[..., 1]).max() <= 1  # no colour left
    flat = np.asarray(apply(image, [{"op": "adjust", "contrast": 0.0}]))
    assert flat.std() < 1
    same = apply(image, [{"op": "adjust", "brightness": 1, "contrast": 1, "saturation": 1, "sharpness": 1}])
    assert np.array_equal(np.asarray(same), np.asarray(image))


def test_undo_is_replaying_one_step_fewer():
    image = quadrants()
    steps = check_steps([{"op": "rotate", "degrees": 90}, {"op": "crop", "left": 0, "top": 0, "width": 0.5,
                                                             "height": 0.5}, {"op": "adjust", "contrast": 2}])
    assert np.array_equal(np.asarray(apply(image, steps[:-1])), np.asarray(apply(apply(image, steps[:1]), steps[1:2])))
    assert [image_edit.describe(s) for s in steps] == ["rotate 90°", "crop free at 0%, 0%, 50% x 50%",
                                                      "adjust contrast 2"]


@pytest.mark.parametrize("step, words", [
    ({"op": "crop", "left": 0.6, "top": 0, "width": 0.5, "height": 1}, "outside the image"),
    ({"op": "crop", "left": 0, "top": 0, "width": 0, "height": 1}, "no area"),
    ({"op": "crop", "left": -0.1, "top": 0, "width": 0.5, "height": 1}, "between 0 and 1"),
    ({"op": "crop", "left": 0, "top": 0, "width": 1, "height": 1, "ratio": "5:1"}, "Unknown crop ratio"),
    ({"op": "rotate", "degrees": "ninety"}, "must be a number"),
    ({"op": "rotate", "degrees": float("nan")}, "must be a number"),
    ({"op": "rotate", "degrees": 1e9}, "between -360 and 360"),
    ({"op": "resize", "width": 0, "height": 10}, "between 16 and 2048"),
    ({"op": "flip", "axis": "diagonal"}, "horizontal or vertical"),
    ({"op": "adjust", "brightness": 9}, "between 0 and 3"),
    ({"op": "adjust", "hue": 1}, "not hue"),
    ({"op": "blur"}, "Each edit step is one of"),
    ("rotate", "Each edit step is one of"),
])
def test_a_bad_step_is_refused_with_what_is_allowed(step, words):
    with pytest.raises(InvalidEdit, match=words):
        apply(quadrants(), [step])


def test_a_crop_too_small_for_the_real_image_has_no_area():
    with pytest.raises(InvalidEdit, match="no area"):
        apply(quadrants(40, 20), [{"op": "crop", "left": 0, "top": 0, "width": 0.01, "height": 0.01}])


def test_an_edit_cannot_grow_past_the_largest_side():
    with pytest.raises(InvalidEdit, match="larger than 2048"):
        apply(quadrants(), [{"op": "resize", "width": 2048, "height": 2048}, {"op": "rotate", "degrees": 45}])

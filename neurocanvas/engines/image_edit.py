"""Basic editing as a list of steps: crop, resize, rotate, flip and brightness/contrast/saturation/sharpness.

Pure: PIL in, PIL out. An edit is the original plus its steps, so it is recorded as data, replayed exactly, and
undone by dropping its last step; the original file is never touched. Crops are in fractions of the image the
step sees, so a step means the same on a preview and on the full-size image.
"""
from __future__ import annotations

import math
from typing import Any

from PIL import Image, ImageEnhance, ImageOps

MAX_STEPS = 50
MIN_SIDE, MAX_SIDE = 16, 2048
MAX_FACTOR = 3.0  # brightness, contrast, saturation, sharpness: 1 leaves the image as it is
RATIOS = {"free": None, "1:1": 1.0, "4:3": 4 / 3, "3:4": 3 / 4, "16:9": 16 / 9, "9:16": 9 / 16, "3:2": 1.5, "2:3": 2 / 3}
ADJUSTMENTS = {"brightness": ImageEnhance.Brightness, "contrast": ImageEnhance.Contrast,
               "saturation": ImageEnhance.Color, "sharpness": ImageEnhance.Sharpness}
OPS = ("crop", "resize", "rotate", "flip", "adjust")


class InvalidEdit(ValueError):
    """A step that cannot apply; the message says what is allowed."""


def _number(step: dict, name: str, low: float, high: float, what: str) -> float:
    value = step.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidEdit(f"{what} must be a number, not {value!r}.")
    if not low <= value <= high:
        raise InvalidEdit(f"{what} must be between {low:g} and {high:g}, not {value:g}.")
    return float(value)


def crop_box(step: dict, width: int, height: int) -> tuple[int, int, int, int]:
    """The pixel box of a crop step on a width x height image; a fixed ratio takes the largest box of that ratio
    centred inside the one given."""
    left = _number(step, "left", 0, 1, "The crop's left edge (a fraction of the width)")
    top = _number(step, "top", 0, 1, "The crop's top edge (a fraction of the height)")
    box_w = _number(step, "width", 0, 1, "The crop's width (a fraction of the image)")
    box_h = _number(step, "height", 0, 1, "The crop's height (a fraction of the image)")
    if left + box_w > 1 + 1e-9 or top + box_h > 1 + 1e-9:
        raise InvalidEdit("The crop goes outside the image: left + width and top + height must stay within 100 %.")
    ratio_name = step.get("ratio", "free") or "free"
    if ratio_name not in RATIOS:
        raise InvalidEdit(f"Unknown crop ratio {ratio_name!r}; choose one of {', '.join(RATIOS)}.")
    x0, y0, w, h = left * width, top * height, box_w * width, box_h * height
    ratio = RATIOS[ratio_name]
    if ratio is not None and w > 0 and h > 0:
        cx, cy = x0 + w / 2, y0 + h / 2
        w, h = (h * ratio, h) if w / h > ratio else (w, w / ratio)
        x0, y0 = cx - w / 2, cy - h / 2
    box = (round(x0), round(y0), round(x0 + w), round(y0 + h))
    if box[2] - box[0] < 1 or box[3] - box[1] < 1:
        raise InvalidEdit("The crop has no area: give it a width and a height of at least one pixel.")
    return box


def check_step(step: Any) -> dict:
    """The step as a clean dict, or InvalidEdit naming what is wrong (before any pixel is touched)."""
    if not isinstance(step, dict) or step.get("op") not in OPS:
        raise InvalidEdit(f"Each edit step is one of {', '.join(OPS)}, as {{\"op\": ...}}; not {step!r}"[:200] + ".")
    op = step["op"]
    if op == "crop":
        crop_box(step, 10_000, 10_000)  # bounds only; the area is checked on the real size
        return {"op": op, "ratio": step.get("ratio") or "free",
                **{k: float(step[k]) for k in ("left", "top", "width", "height")}}
    if op == "resize":
        return {"op": op, **{k: int(_number(step, k, MIN_SIDE, MAX_SIDE, f"The new {k} in pixels")) for k in ("width", "height")}}
    if op == "rotate":
        return {"op": op, "degrees": _number(step, "degrees", -360, 360, "The rotation in degrees")}
    if op == "flip":
        if step.get("axis") not in ("horizontal", "vertical"):
            raise InvalidEdit(f"A flip is horizontal or vertical, not {step.get('axis')!r}.")
        return {"op": op, "axis": step["axis"]}
    unknown = set(step) - set(ADJUSTMENTS) - {"op"}
    if unknown:
        raise InvalidEdit(f"Adjustments are {', '.join(ADJUSTMENTS)}; not {', '.join(sorted(unknown))}.")
    factors = {k: _number(step, k, 0, MAX_FACTOR, f"The {k}") for k in ADJUSTMENTS if k in step}
    return {"op": op, **factors}


def check_steps(steps: Any) -> list[dict]:
    if not isinstance(steps, list):
        raise InvalidEdit("The edit is a list of steps.")
    if len(steps) > MAX_STEPS:
        raise InvalidEdit(f"An edit has at most {MAX_STEPS} steps; save it and edit the new image for more.")
    return [check_step(step) for step in steps]


def apply_step(image: Image.Image, step: dict) -> Image.Image:
    op = step["op"]
    if op == "crop":
        return image.crop(crop_box(step, image.width, image.height))
    if op == "resize":
        return image.resize((step["width"], step["height"]), Image.Resampling.LANCZOS)
    if op == "rotate":
        degrees = step["degrees"] % 360
        quarter = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_270}
        if degrees in quarter:  # exact, no resampling
            return image.transpose(quarter[degrees])
        return image.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True) if degrees else image
    if op == "flip":
        return ImageOps.mirror(image) if step["axis"] == "horizontal" else ImageOps.flip(image)
    for name, enhancer in ADJUSTMENTS.items():
        if step.get(name, 1.0) != 1.0:
            image = enhancer(image).enhance(step[name])
    return image


def apply(image: Image.Image, steps: list[dict]) -> Image.Image:
    """The original with every step in order; rotations turn counter-clockwise, as PIL's do."""
    result = image.convert("RGB")
    for step in check_steps(steps):
        result = apply_step(result, step)
        if max(result.size) > MAX_SIDE:
            raise InvalidEdit(f"The edit makes the image larger than {MAX_SIDE} pixels on a side.")
    return result


def describe(step: dict) -> str:
    """One line a person reads in the list of steps."""
    op = step["op"]
    if op == "crop":
        return (f"crop {step['ratio']} at {step['left']:.0%}, {step['top']:.0%}, "
                f"{step['width']:.0%} x {step['height']:.0%}")
    if op == "resize":
        return f"resize to {step['width']}x{step['height']}"
    if op == "rotate":
        return f"rotate {step['degrees']:g}°"
    if op == "flip":
        return f"flip {step['axis']}"
    return "adjust " + ", ".join(f"{k} {v:g}" for k, v in step.items() if k != "op")

"""Instant style transfer from any style image: Magenta's arbitrary stylization network (Ghiasi et al. 2017).

Pure: a loaded network comes in (two ONNX Runtime sessions: the style predictor and the transformer), PIL
images in, a PIL image out. A style image becomes a 100-number vector in the network's bottleneck, so a mix
of styles is the weighted mean of their vectors, and strength interpolates from the photo's own vector to
the target's, as in the paper. The transformer is fully convolutional: it runs at the size asked for.
"""
from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np
from PIL import Image

from neurocanvas.engines.style_transfer import keep_colours, resize_long_side

STYLE_SIDE = 256  # the predictor's input: a centre square of the style image, scaled
MULTIPLE = 4  # the transformer halves the size twice and doubles it back: pad to a multiple of 4, crop after
MIN_SIZE, MAX_SIZE = 64, 1024
MAX_STYLES = 3


@dataclasses.dataclass
class Network:
    """The two sessions and their input names, as the loader found them in the files."""

    predictor: Any
    transformer: Any
    style_input: str
    content_input: str
    vector_input: str


@dataclasses.dataclass
class Request:
    content: Image.Image
    styles: list[tuple[Image.Image, float]]
    strength: float = 1.0  # 0 keeps the photo, 1 is the styles' own vector
    size: int = 512  # long side of the result
    keep_colors: bool = False


@dataclasses.dataclass
class Result:
    image: Image.Image
    seconds: float


def check_inputs(request: Request) -> None:
    """Refuse what the network cannot do, before any work, with a sentence a user can act on."""
    if not request.styles:
        raise ValueError("Choose at least one style (a preset or your own image).")
    if len(request.styles) > MAX_STYLES:
        raise ValueError(f"Mix at most {MAX_STYLES} styles.")
    weights = [w for _, w in request.styles]
    if any(not np.isfinite(w) or w < 0 for w in weights) or sum(weights) <= 0:
        raise ValueError("Style mix weights must be zero or more, and at least one above zero.")
    if not MIN_SIZE <= int(request.size) <= MAX_SIZE:
        raise ValueError(f"The output size (long side) must be between {MIN_SIZE} and {MAX_SIZE} pixels.")
    if not np.isfinite(request.strength) or not 0 <= request.strength <= 1:
        raise ValueError("Strength must be between 0 (the photo) and 1 (full style).")


def style_square(image: Image.Image) -> Image.Image:
    """The centre square at the predictor's size: squashing a wide painting would stretch its strokes."""
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    return image.convert("RGB").crop((left, top, left + side, top + side)).resize(
        (STYLE_SIDE, STYLE_SIDE), Image.Resampling.LANCZOS)


class InstantStyle:
    def __init__(self, network: Network) -> None:
        self.network = network

    def style_vector(self, image: Image.Image) -> np.ndarray:
        pixels = np.asarray(style_square(image), dtype=np.float32)[None] / 255.0
        return self.network.predictor.run(None, {self.network.style_input: pixels})[0]

    def mixed_vector(self, styles: list[tuple[Image.Image, float]]) -> np.ndarray:
        total = sum(w for _, w in styles)
        return sum(self.style_vector(image) * (w / total) for image, w in styles if w > 0)

    def paint(self, content: Image.Image, vector: np.ndarray) -> Image.Image:
        """One pass of the transformer; reflect padding keeps the borders free of dark seams."""
        pixels = np.asarray(content.convert("RGB"), dtype=np.float32) / 255.0
        height, width = pixels.shape[:2]
        pad_h, pad_w = -height % MULTIPLE, -width % MULTIPLE
        if pad_h or pad_w:
            pixels = np.pad(pixels, ((0, pad_h), (0, pad_w), (0, 0)), mode="reflect")
        out = self.network.transformer.run(None, {self.network.content_input: pixels[None],
                                                  self.network.vector_input: vector.astype(np.float32)})[0]
        return Image.fromarray((np.clip(out[0, :height, :width], 0, 1) * 255 + 0.5).astype(np.uint8))

    def __call__(self, request: Request) -> Result:
        check_inputs(request)
        started = time.perf_counter()
        content = resize_long_side(request.content.convert("RGB"), int(request.size))
        if request.strength == 0:  # the photo's own style: nothing to paint
            return Result(image=content, seconds=time.perf_counter() - started)
        vector = self.mixed_vector(request.styles)
        if request.strength < 1:
            own = self.style_vector(content)
            vector = request.strength * vector + (1 - request.strength) * own
        image = self.paint(content, vector)
        if request.keep_colors:
            image = keep_colours(image, content)
        return Result(image=image, seconds=time.perf_counter() - started)

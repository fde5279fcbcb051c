"""The two style-transfer quality measures the benchmarks share: how far from the painting, how much photo is left."""
from __future__ import annotations

from typing import Any

from PIL import Image


def gram_distance(taps: Any, image: Image.Image, painting: Image.Image, side: int = 256) -> float:
    """Mean relative Gram-matrix distance over the taps' style layers, both at `side` px (lower = more stylised)."""
    import numpy as np
    import torch

    from neurocanvas.engines.style_transfer import _to_tensor, gram, resize_long_side

    with torch.no_grad():
        a = taps(_to_tensor(resize_long_side(image, side)))
        b = taps(_to_tensor(resize_long_side(painting, side)))
    return float(np.mean([float(((gram(a[l]) - gram(b[l])) ** 2).sum() / (gram(b[l]) ** 2).sum())
                          for l in taps.style_layers]))


def structure_kept(image: Image.Image, photo: Image.Image) -> float:
    """Luminance SSIM of the result against the photo at the result's size (higher keeps more structure)."""
    import numpy as np
    from skimage.metrics import structural_similarity

    from neurocanvas.engines.style_transfer import resize_long_side

    reference = np.asarray(resize_long_side(photo, max(image.size)).convert("L"), dtype=np.float32)
    if reference.shape != (image.height, image.width):
        reference = np.asarray(photo.convert("L").resize(image.size), dtype=np.float32)
    return float(structural_similarity(np.asarray(image.convert("L"), dtype=np.float32), reference, data_range=255))


def colour_distance(image: Image.Image, painting: Image.Image, bins: int = 8) -> float:
    """L1 distance (0 to 2) between the colour histograms of the result and the painting: a style measure that
    no method optimises and no network shapes (lower = the painting's palette)."""
    import numpy as np

    def histogram(picture: Image.Image):
        pixels = np.asarray(picture.convert("RGB").resize((128, 128)), dtype=np.int64) * bins // 256
        codes = (pixels[..., 0] * bins + pixels[..., 1]) * bins + pixels[..., 2]
        counts = np.bincount(codes.ravel(), minlength=bins ** 3)
        return counts / counts.sum()

    return float(np.abs(histogram(image) - histogram(painting)).sum())

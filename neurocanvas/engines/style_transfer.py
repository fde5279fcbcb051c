"""Neural style transfer by optimisation (Gatys et al.) on a pretrained feature network.

Pure: a loaded feature network comes in (EfficientNet-lite0 for the quick method, VGG for the classic one),
PIL images in, a PIL image out, with previews on the way. Style mixing averages the styles' Gram matrices
by weight; "keep colours" transfers luminance only.
"""
from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any, Callable

import numpy as np
from PIL import Image, ImageOps

MAX_PIXELS = 40_000_000  # refuse larger uploads (and decompression bombs) before decoding them
MIN_SIDE = 16
CONTENT_WEIGHT = 0.02
TV_WEIGHT = 0.05
LEARNING_RATE = 0.05

Progress = Callable[[int, int, "Image.Image | None"], None]  # (step, total, preview)


class InvalidImage(ValueError):
    """The upload cannot be used; the message says why."""


class Cancelled(Exception):
    pass


def load_image(source: Any, what: str = "image") -> Image.Image:
    """Open an upload safely: size checked before decoding, EXIF orientation applied, RGB out."""
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(source) as probe:
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise InvalidImage(f"The {what} is too large: {width}x{height} pixels, over {MAX_PIXELS // 1_000_000} megapixels.")
            image = ImageOps.exif_transpose(probe)  # decodes into a new image, turned as the camera meant
    except Image.DecompressionBombError as exc:
        raise InvalidImage(f"The {what} is too large: over {MAX_PIXELS // 1_000_000} megapixels (or a decompression bomb).") from exc
    except InvalidImage:
        raise
    except (OSError, ValueError, SyntaxError) as exc:
        raise InvalidImage(f"The {what} is not a readable image file (damaged, cut short or not an image).") from exc
    finally:
        Image.MAX_IMAGE_PIXELS = previous
    if min(image.size) < MIN_SIDE:
        raise InvalidImage(f"The {what} is {image.width}x{image.height}; it needs at least {MIN_SIDE} pixels a side.")
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        return background
    return _eight_bit(image).convert("RGB")  # CMYK, grayscale, 16-bit... all become RGB


def _eight_bit(image: Image.Image) -> Image.Image:
    """Integer pixels scaled to 0..255: Pillow's convert clips 16-bit values at 255, and a photo turns white."""
    if not image.mode.startswith("I"):
        return image
    array = np.asarray(image).astype(np.float64)
    top = 65535.0 if image.mode.startswith("I;16") or array.max(initial=0) > 255 else 255.0
    return Image.fromarray(np.clip(array * (255.0 / top) + 0.5, 0, 255).astype(np.uint8))


def resize_long_side(image: Image.Image, size: int) -> Image.Image:
    scale = size / max(image.size)
    target = (max(8, round(image.width * scale)), max(8, round(image.height * scale)))
    return image.resize(target, Image.Resampling.LANCZOS)


@dataclasses.dataclass
class Request:
    content: Image.Image
    styles: list[tuple[Image.Image, float]]
    strength: float = 1.0  # multiplies the style weight
    size: int = 512  # long side of the result
    steps: int = 135
    keep_colors: bool = False
    smoothing: bool = False  # softmax-smoothed activations (Wang et al., CVPR 2021) before the Gram matrices
    seed: int = 0


@dataclasses.dataclass
class Result:
    image: Image.Image
    style_loss: list[float]  # per step
    content_loss: list[float]
    seconds: float


def check_inputs(request: Request, min_size: int = 64, max_size: int = 1024, max_steps: int = 2000) -> None:
    if not request.styles:
        raise InvalidImage("Choose at least one style (a preset or your own image).")
    if len(request.styles) > 3:
        raise ValueError("Mix at most three styles.")
    weights = [w for _, w in request.styles]
    if any(not np.isfinite(w) or w < 0 for w in weights) or sum(weights) <= 0:
        raise ValueError("Style mix weights must be zero or more, and at least one above zero.")
    if not min_size <= int(request.size) <= max_size:
        raise ValueError(f"The output size (long side) must be between {min_size} and {max_size} pixels.")
    if not 1 <= int(request.steps) <= max_steps:
        raise ValueError(f"Steps must be between 1 and {max_steps}.")
    if not np.isfinite(request.strength) or not 0 < request.strength <= 100:
        raise ValueError("Strength must be above 0 and at most 100.")


class EfficientNetTaps:
    """Style from the pixels, the stem and the ReLU6 expansion outputs of blocks 1, 3, 5, 11; content from block 5."""

    style_layers = ("pixels", "stem", "b1", "b3", "b5", "b11")
    content_layer = "b5"
    blocks = (1, 3, 5, 11)
    low_precision = False  # bfloat16 saves little on depthwise convolutions (0.17 -> 0.14 s a step at 512 px)

    def __init__(self, model: Any) -> None:
        import torch

        self.model = model.to(memory_format=torch.channels_last)  # ~15 % faster steps on oneDNN

    def __call__(self, x: Any) -> dict[str, Any]:
        import torch.nn.functional as F

        m = self.model
        out = {"pixels": x}
        h = m._swish(m._bn0(m._conv_stem(_channels_last((x - 0.5) / 0.5))))
        out["stem"] = h
        for index, block in enumerate(m._blocks[: max(self.blocks) + 1]):
            if index in self.blocks:
                out[f"b{index}"] = F.relu6(block._bn0(block._expand_conv(h)))
            h = block(h)
        return out


class VGGTaps:
    """Classic taps: the first ReLU of each stage for style, the second ReLU of the fourth (or last) stage for content."""

    def __init__(self, features: Any, low_precision: bool = False) -> None:
        import torch
        import torch.nn as nn

        self.features = features.to(memory_format=torch.channels_last)
        self.low_precision = low_precision  # bfloat16 halves a step where the CPU has it natively (neurocanvas.cpu)
        self.mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
        self.std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
        stages: list[list[int]] = [[]]
        for index, layer in enumerate(features):
            if isinstance(layer, nn.ReLU):
                stages[-1].append(index)
            elif isinstance(layer, nn.MaxPool2d):
                stages.append([])
        stages = [s for s in stages if s]
        self.taps = {f"relu{i + 1}_1": s[0] for i, s in enumerate(stages)}
        content_stage = stages[min(3, len(stages) - 1)]
        self.taps["content"] = content_stage[min(1, len(content_stage) - 1)]
        self.style_layers = tuple(k for k in self.taps if k != "content")
        self.content_layer = "content"
        self.last = max(self.taps.values())

    def __call__(self, x: Any) -> dict[str, Any]:
        h = _channels_last((x - self.mean) / self.std)
        out = {}
        for index, layer in enumerate(self.features[: self.last + 1]):
            h = layer(h)
            for name, tap in self.taps.items():  # one layer may serve as both a style and the content tap
                if tap == index:
                    out[name] = h
        return out


def _channels_last(x: Any) -> Any:
    import torch

    return x.contiguous(memory_format=torch.channels_last)


def features_of(taps: Any, x: Any) -> dict[str, Any]:
    """The taps' features in float32, computed in bfloat16 where the taps ask for it (Gram matrices stay float32)."""
    import torch

    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=getattr(taps, "low_precision", False)):
        feats = taps(x)
    return {name: f.float() for name, f in feats.items()}


def gram(features: Any, smoothing: bool = False) -> Any:
    b, c, h, w = features.shape
    f = features.reshape(c, h * w)
    if smoothing:  # Wang et al.: softmax over the whole layer, scaled back to the layer's size
        f = (f.reshape(-1).softmax(0) * f.numel()).reshape(c, h * w)
    return f @ f.t() / (h * w)


def coarse_to_fine(size: int, steps: int) -> list[tuple[float, int]]:
    """(scale, steps) stages: 91 % of the steps at half size, the last 9 % at full size, where a step costs 4.4x.

    At 512 px the full-size stage adds fine strokes; more steps there barely change the result (astronaut +
    Starry Night: 17 full-size steps and 12 look alike, Gram distance 0.0146 and 0.0140, SSIM 0.44 and 0.47),
    and starting lower (a quarter size) washes out faces (SSIM 0.36)."""
    if size < 320 or steps < 10:
        return [(1.0, steps)]
    full = max(1, round(steps * 0.09))
    return [(0.5, steps - full), (1.0, full)]


class StyleTransfer:
    def __init__(self, taps: Any) -> None:
        self.taps = taps

    def _targets(self, styles: list[tuple[Image.Image, float]], size: int, smoothing: bool) -> dict[str, Any]:
        import torch

        total = sum(w for _, w in styles)
        targets: dict[str, Any] = {}
        with torch.no_grad():
            for image, weight in styles:
                if weight <= 0:
                    continue
                feats = features_of(self.taps, _to_tensor(resize_long_side(image, size)))
                for layer in self.taps.style_layers:
                    g = gram(feats[layer], smoothing) * (weight / total)
                    targets[layer] = targets[layer] + g if layer in targets else g
        return targets

    def __call__(self, request: Request, progress: Progress | None = None,
                 cancel: threading.Event | None = None) -> Result:
        import torch

        check_inputs(request)
        torch.manual_seed(request.seed)
        started = time.perf_counter()
        content_full = resize_long_side(request.content, request.size)
        plan = coarse_to_fine(request.size, request.steps)
        style_losses: list[float] = []
        content_losses: list[float] = []
        pixels = None
        done = 0
        for scale, steps in plan:
            if steps <= 0:
                continue
            size = max(32, round(request.size * scale))
            content = _to_tensor(resize_long_side(request.content, size))
            start = content if pixels is None else torch.nn.functional.interpolate(
                pixels, size=content.shape[-2:], mode="bilinear", align_corners=False)
            logits = torch.logit(start.clamp(0.002, 0.998)).detach().requires_grad_(True)
            optimizer = torch.optim.Adam([logits], lr=LEARNING_RATE)
            targets = self._targets(request.styles, size, request.smoothing)
            with torch.no_grad():
                content_target = features_of(self.taps, content)[self.taps.content_layer]
            for _ in range(steps):
                if cancel is not None and cancel.is_set():
                    raise Cancelled()
                optimizer.zero_grad(set_to_none=True)
                x = torch.sigmoid(logits)
                feats = features_of(self.taps, x)
                style = sum(((gram(feats[l], request.smoothing) - targets[l]).pow(2).sum() / targets[l].pow(2).sum())
                            for l in self.taps.style_layers) / len(self.taps.style_layers)
                content_loss = (feats[self.taps.content_layer] - content_target).pow(2).sum() / content_target.pow(2).sum()
                tv = (x[..., 1:, :] - x[..., :-1, :]).abs().mean() + (x[..., :, 1:] - x[..., :, :-1]).abs().mean()
                loss = request.strength * style + CONTENT_WEIGHT * content_loss + TV_WEIGHT * tv
                loss.backward()
                optimizer.step()
                style_losses.append(style.item())
                content_losses.append(content_loss.item())
                done += 1
                if progress is not None:
                    preview = _to_image(x.detach()) if done % 10 == 0 or done == request.steps else None
                    progress(done, request.steps, preview)
            pixels = torch.sigmoid(logits).detach()
        image = _to_image(pixels)
        if image.size != content_full.size:
            image = image.resize(content_full.size, Image.Resampling.LANCZOS)
        if request.keep_colors:
            image = keep_colours(image, content_full)
        return Result(image=image, style_loss=style_losses, content_loss=content_losses,
                      seconds=time.perf_counter() - started)


def keep_colours(stylised: Image.Image, content: Image.Image) -> Image.Image:
    """Luminance from the stylised image, colour (chroma) from the content photo."""
    y, _, _ = stylised.convert("YCbCr").split()
    _, cb, cr = content.resize(stylised.size).convert("YCbCr").split()
    return Image.merge("YCbCr", (y, cb, cr)).convert("RGB")


def _to_tensor(image: Image.Image) -> Any:
    import torch

    array = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0
    return torch.from_numpy(array).permute(2, 0, 1).unsqueeze(0).contiguous()


def _to_image(tensor: Any) -> Image.Image:
    array = (tensor[0].clamp(0, 1).permute(1, 2, 0).cpu().numpy() * 255).round().astype(np.uint8)
    return Image.fromarray(array)

"""Feed-forward style transfer (Johnson et al., ECCV 2016): one network per style, one pass per photo.

No trustworthy source publishes such weights in a safe format, so the studio trains the network on the
user's machine (`python -m neurocanvas train-style PRESET`) against the same feature losses as the
optimisation method, then runs it in a fraction of a second. Pure: tensors and PIL images in and out.
"""
from __future__ import annotations

import dataclasses
import random
import threading
import time
from typing import Any, Callable

from PIL import Image

from neurocanvas.engines.style_transfer import Cancelled, _to_image, _to_tensor, keep_colours, resize_long_side

TrainProgress = Callable[[int, int, float], None]  # (step, total, style loss)


def build_network(channels: int = 16, residual_blocks: int = 5) -> Any:
    """Johnson's image transformation network (channels=32 is the paper's size), predicting a change to the photo.

    The output is sigmoid(logit(photo) + net(photo)) with the last layer started at zero, so an untrained
    network returns the photo and training only has to learn the style.
    """
    import torch
    import torch.nn as nn

    def conv(i: int, o: int, k: int, stride: int = 1, up: bool = False, norm: bool = True, relu: bool = True):
        layers: list[nn.Module] = [nn.Upsample(scale_factor=2, mode="nearest")] if up else []
        layers += [nn.ReflectionPad2d(k // 2), nn.Conv2d(i, o, k, stride)]
        if norm:
            layers.append(nn.InstanceNorm2d(o, affine=True))
        if relu:
            layers.append(nn.ReLU(inplace=True))
        return nn.Sequential(*layers)

    class Residual(nn.Module):
        def __init__(self, c: int) -> None:
            super().__init__()
            self.body = nn.Sequential(conv(c, c, 3), conv(c, c, 3, relu=False))

        def forward(self, x):
            return x + self.body(x)

    class TransformerNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            c = channels
            self.body = nn.Sequential(conv(3, c, 9), conv(c, 2 * c, 3, 2), conv(2 * c, 4 * c, 3, 2),
                                      *[Residual(4 * c) for _ in range(residual_blocks)],
                                      conv(4 * c, 2 * c, 3, up=True), conv(2 * c, c, 3, up=True),
                                      conv(c, 3, 9, norm=False, relu=False))
            last = self.body[-1][-1]
            nn.init.zeros_(last.weight)
            nn.init.zeros_(last.bias)

        def forward(self, x):
            h, w = x.shape[-2:]
            pad_h, pad_w = (-h) % 4, (-w) % 4  # two stride-2 layers: pad to a multiple of 4, crop after
            padded = nn.functional.pad(x, (0, pad_w, 0, pad_h), mode="reflect") if pad_h or pad_w else x
            delta = self.body(padded)[..., :h, :w]
            return torch.sigmoid(torch.logit(x.clamp(0.002, 0.998)) + delta)

    return TransformerNet()


@dataclasses.dataclass
class Request:
    content: Image.Image
    size: int = 512  # long side of the result
    strength: float = 1.0  # 0..1: blend of the photo (0) and the network's painting (1)
    keep_colors: bool = False


@dataclasses.dataclass
class Result:
    image: Image.Image
    seconds: float


class FastStyle:
    def __init__(self, network: Any) -> None:
        self.network = network

    def __call__(self, request: Request) -> Result:
        import torch

        if not 64 <= int(request.size) <= 2048:
            raise ValueError("The output size (long side) must be between 64 and 2048 pixels.")
        if not 0 < float(request.strength) <= 1:
            raise ValueError("Strength must be above 0 and at most 1 for the fast method.")
        started = time.perf_counter()
        content = resize_long_side(request.content, int(request.size))
        with torch.inference_mode():
            image = _to_image(self.network(_to_tensor(content)))
        if request.strength < 1:
            image = Image.blend(content, image, float(request.strength))
        if request.keep_colors:
            image = keep_colours(image, content)
        return Result(image=image, seconds=time.perf_counter() - started)


@dataclasses.dataclass
class TrainResult:
    network: Any
    style_loss: list[float]
    content_loss: list[float]
    seconds: float


def _gram(features: Any) -> Any:
    b, c, h, w = features.shape
    f = features.reshape(b, c, h * w)
    return f @ f.transpose(1, 2) / (h * w)


def train(taps: Any, style: Image.Image, photos: list[Image.Image], steps: int = 1500, size: int = 256,
          batch_size: int = 2, channels: int = 16, style_weight: float = 1.0, content_weight: float = 0.03,
          tv_weight: float = 0.05, learning_rate: float = 2e-3, seed: int = 0,
          progress: TrainProgress | None = None, cancel: threading.Event | None = None) -> TrainResult:
    """Fit a network to one style on random crops of the photos, with the optimisation method's losses."""
    import torch

    if not photos:
        raise ValueError("Training needs at least one photo.")
    if not 1 <= steps <= 100_000 or not 64 <= size <= 1024 or not 1 <= batch_size <= 16:
        raise ValueError("Steps must be 1-100000, size 64-1024 and batch size 1-16.")
    torch.manual_seed(seed)
    rng = random.Random(seed)
    started = time.perf_counter()
    network = build_network(channels)
    optimizer = torch.optim.Adam(network.parameters(), lr=learning_rate)
    with torch.no_grad():
        style_feats = taps(_to_tensor(resize_long_side(style, size)))
        targets = {layer: _gram(style_feats[layer]) for layer in taps.style_layers}
    sources = [resize_long_side(p, round(size * 1.25)) if max(p.size) > size * 1.25 else p for p in photos]
    style_losses: list[float] = []
    content_losses: list[float] = []
    for step in range(1, steps + 1):
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        batch = torch.cat([_to_tensor(_random_crop(rng.choice(sources), size, rng)) for _ in range(batch_size)])
        optimizer.zero_grad(set_to_none=True)
        out = network(batch)
        feats = taps(out)
        with torch.no_grad():
            content_target = taps(batch)[taps.content_layer]
        style_loss = sum(((_gram(feats[l]) - targets[l]).pow(2).sum((1, 2)) / targets[l].pow(2).sum()).mean()
                         for l in taps.style_layers) / len(taps.style_layers)
        content_loss = (feats[taps.content_layer] - content_target).pow(2).sum() / content_target.pow(2).sum()
        tv = (out[..., 1:, :] - out[..., :-1, :]).abs().mean() + (out[..., :, 1:] - out[..., :, :-1]).abs().mean()
        loss = style_weight * style_loss + content_weight * content_loss + tv_weight * tv
        loss.backward()
        optimizer.step()
        style_losses.append(style_loss.item())
        content_losses.append(content_loss.item())
        if progress is not None:
            progress(step, steps, style_losses[-1])
    network.eval()
    return TrainResult(network=network, style_loss=style_losses, content_loss=content_losses,
                       seconds=time.perf_counter() - started)


def _random_crop(image: Image.Image, size: int, rng: random.Random) -> Image.Image:
    """A size x size crop (the photo is enlarged first when it is smaller), flipped half the time."""
    if min(image.size) < size:
        image = image.resize((max(size, round(image.width * size / min(image.size))),
                              max(size, round(image.height * size / min(image.size)))), Image.Resampling.BICUBIC)
    x, y = rng.randint(0, image.width - size), rng.randint(0, image.height - size)
    crop = image.crop((x, y, x + size, y + size))
    return crop.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if rng.random() < 0.5 else crop

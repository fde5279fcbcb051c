"""Style transfer at 512 px long side (astronaut + The Starry Night): the quick EfficientNet-lite0 path with its
real weights, the same with softmax-smoothed activations (Wang et al. 2021) for a quality comparison, and the
classic VGG19 with random weights of the real architecture (in bfloat16 where the CPU has it natively), both to
the same fixed iteration count (135 steps, coarse to fine), and the fast feed-forward network (Johnson et al.) at the size `train-style` makes (16
channels) and at the paper's size (32), random weights, one pass. Quality: Gram distance to the painting on the quick network's own, unsmoothed taps (lower is
more stylised) and luminance SSIM against the photo (higher keeps more structure)."""
from __future__ import annotations

import statistics
from pathlib import Path

from bench.common import Result, timed

ROOT = Path(__file__).resolve().parent.parent
VGG19 = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]


def run(runs: int = 3, calls: int = 0, smoke: bool = False) -> list[Result]:
    import numpy as np
    import torch
    from PIL import Image
    from skimage import data
    from skimage.metrics import structural_similarity
    from torchvision.models.vgg import make_layers

    from neurocanvas.engines.fast_style import FastStyle, build_network
    from neurocanvas.engines.fast_style import Request as FastRequest
    from neurocanvas.engines.style_transfer import (EfficientNetTaps, Request, StyleTransfer, VGGTaps, _to_tensor,
                                                    gram, resize_long_side)
    from neurocanvas.cpu import native_bf16
    from neurocanvas.registry import Registry, load_catalog

    torch.set_num_threads(2)
    size, steps = (64, 4) if smoke else (512, 135)
    registry = Registry(load_catalog(), ROOT / "models", threads=2)
    taps = EfficientNetTaps(registry.get("efficientnet-lite0"))
    photo = Image.fromarray(data.astronaut())
    style_path = ROOT.parent / "shared" / "styles" / "vg_starry_night.jpg"
    painting = Image.open(style_path).convert("RGB") if style_path.exists() else Image.fromarray(data.coffee())
    request = Request(content=photo, styles=[(painting, 1.0)], size=size, steps=steps)

    def quality(image):
        with torch.no_grad():
            a = taps(_to_tensor(resize_long_side(image, 256)))
            b = taps(_to_tensor(resize_long_side(painting, 256)))
        distance = float(np.mean([float(((gram(a[l]) - gram(b[l])) ** 2).sum() / (gram(b[l]) ** 2).sum())
                                  for l in taps.style_layers]))
        reference = np.asarray(resize_long_side(photo, size).convert("L"), dtype=np.float32)
        return distance, structural_similarity(np.asarray(image.convert("L"), dtype=np.float32), reference, data_range=255)

    quick = [StyleTransfer(taps)(request) for _ in range(runs)]
    smoothed = StyleTransfer(taps)(Request(**{**request.__dict__, "smoothing": True}))
    vgg = make_layers(VGG19).eval().requires_grad_(False)
    classic = [StyleTransfer(VGGTaps(vgg, low_precision=native_bf16()))(request) for _ in range(runs)]
    classic_fp32 = StyleTransfer(VGGTaps(vgg, low_precision=False))(request)  # as on a CPU without native bfloat16
    fast = {}
    for channels in (16, 32):
        engine = FastStyle(build_network(channels).eval())
        fast[channels] = timed(lambda: engine(FastRequest(content=photo, size=size)), runs=5)
    quick_s = statistics.median(r.seconds for r in quick)
    classic_s = statistics.median(r.seconds for r in classic)
    classic_name = f"style classic (VGG19 random weights, {'bfloat16' if native_bf16() else 'float32'}), 512 px, 135 steps"
    q_plain, q_smooth = quality(quick[0].image), quality(smoothed.image)
    return [
        Result("style quick (EfficientNet-lite0), 512 px, 135 steps", "s", quick_s, runs),
        Result(classic_name, "s", classic_s, runs, baseline="style quick (EfficientNet-lite0), 512 px, 135 steps",
               ratio=quick_s / classic_s),
        Result("style classic (VGG19 random weights, float32 forced), 512 px, 135 steps", "s", classic_fp32.seconds, 1,
               baseline=classic_name, ratio=classic_s / classic_fp32.seconds),
        *[Result(f"style fast (feed-forward, {c} channels, random weights), 512 px, one pass", "s",
                 statistics.median(t), len(t), baseline="style quick (EfficientNet-lite0), 512 px, 135 steps",
                 ratio=quick_s / statistics.median(t)) for c, t in fast.items()],
        Result("style quick: Gram distance to the painting (lower = more stylised)", "", q_plain[0], 1),
        Result("style quick + smoothing: Gram distance to the painting", "", q_smooth[0], 1),
        Result("style quick: luminance SSIM vs photo", "", q_plain[1], 1),
        Result("style quick + smoothing: luminance SSIM vs photo", "", q_smooth[1], 1),
    ]

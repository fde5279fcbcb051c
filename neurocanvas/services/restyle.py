"""Style transfer as a job, for every method: one pass of a network (instant, fast) or optimisation (quick, classic)."""
from __future__ import annotations

from typing import Any

from neurocanvas import __version__

QUICK = "efficientnet-lite0"  # the optimising method whose weights ship in a package (no download)
INSTANT = "magenta-arbitrary"  # the one-pass network for any style image (ships in a package)


def style_inputs(photo: Any, styles: list, method: str, request: dict, **extra: Any) -> dict:
    """What a worker needs to restyle: images as PNG bytes (no shared folder), the method and its request."""
    from neurocanvas.services.worker import png_bytes

    return {"photo": png_bytes(photo), "styles": [(png_bytes(image), float(weight)) for image, weight in styles],
            "method": method, "request": request, **extra}


def run(runtime: Any, params: dict, inputs: dict, report, cancel) -> dict:
    """Inputs: the photo and style images as PNG bytes, the method and its request; the worker's CPU picks the precision."""
    from neurocanvas.cpu import use_bfloat16
    from neurocanvas.engines.fast_style import FastStyle
    from neurocanvas.engines.fast_style import Request as FastRequest
    from neurocanvas.engines.instant_style import InstantStyle
    from neurocanvas.engines.instant_style import Request as InstantRequest
    from neurocanvas.engines.style_transfer import EfficientNetTaps, Request, StyleTransfer, VGGTaps
    from neurocanvas.services.worker import image_from_bytes

    registry, method = runtime.registry, inputs["method"]
    spec = registry.spec(method)
    photo = image_from_bytes(inputs["photo"]).convert("RGB")
    meta = {**params, "kind": "style_transfer", "generator": f"NeuroCanvas {__version__}", **inputs.get("meta", {})}
    model_id = inputs.get("model_id", method)  # Auto files a restyled render under the render's model
    if spec.task == "fast-style":
        report(0, 1, "Painting in one pass")
        with registry.use(method) as network:
            result = FastStyle(network)(FastRequest(content=photo, **inputs["request"]))
        return {"images": [(result.image, meta, model_id, None)], "timings": {"total": round(result.seconds, 3)},
                "notes": [f"{spec.name} in {result.seconds:.2f} s."]}
    styles = [(image_from_bytes(data).convert("RGB"), weight) for data, weight in inputs["styles"]]
    if spec.task == "arbitrary-style":
        report(0, 1, "Painting in one pass")
        with registry.use(method) as network:
            result = InstantStyle(network)(InstantRequest(content=photo, styles=styles, **inputs["request"]))
        return {"images": [(result.image, meta, model_id, None)], "timings": {"total": round(result.seconds, 3)},
                "notes": [f"painted in {result.seconds:.2f} s"]}
    job = Request(content=photo, styles=styles, **inputs["request"])
    with registry.use(method) as network:
        taps = (EfficientNetTaps(network) if spec.defaults.get("architecture") == "efficientnet-lite0"
                else VGGTaps(network, low_precision=use_bfloat16(runtime.settings.precision)))
        result = StyleTransfer(taps)(job, progress=lambda step, total, preview: report(
            step, total, f"Step {step} of {total}", preview), cancel=cancel)
    meta["style_loss"] = [round(result.style_loss[0], 5), round(result.style_loss[-1], 5)]
    drop = result.style_loss[0] / max(result.style_loss[-1], 1e-12)
    return {"images": [(result.image, meta, model_id, None)], "timings": {"total": round(result.seconds, 3)},
            "notes": [f"done in {result.seconds:.1f} s; style loss fell {drop:.0f}x"]}

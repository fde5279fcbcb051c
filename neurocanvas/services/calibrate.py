"""Calibration as a job: each installed text-to-image model renders at half and at its full native size, so the
time-budget planner knows this machine's speeds (a fixed part, and a part that grows with the area) before
its first real render: about 10 s for SD-Turbo on 2 AVX-512 cores, 20 s on AVX2. Nothing is saved but the
timings. Sizes in between are then interpolated, which errs on the slow side (the cost grows faster than the
area: attention); smaller ones extrapolated (measured: 128 and 256 px runs predicted SDXS at 512 px 30 % short)."""
from __future__ import annotations

import dataclasses
from typing import Any

WARM_SIZE, SIZES = 128, (256, 512)  # a first, untimed call builds the kernels; then one timed call per size


def run(runtime: Any, params: dict, inputs: dict, report, cancel) -> dict:
    """Inputs: [{"model_id", "vae_id", "steps", "guidance", "native"}...]; the result's timings map each model to the
    [(params, timings)...] of its timed renders, in the shape a text-to-image job stores them."""
    from neurocanvas.engines.text_to_image import Request, TextToImage

    registry, models, measured = runtime.registry, inputs["models"], {}
    for index, model in enumerate(models):
        report(index, len(models), f"Timing {model['model_id']} ({index + 1} of {len(models)})")
        vae_id = model.get("vae_id")
        with registry.use(model["model_id"]) as pipe:
            engine = TextToImage(pipe, registry.get(vae_id) if vae_id else None)
            warm = Request(prompt="a calibration render", num_inference_steps=model["steps"],
                           guidance_scale=model["guidance"], width=WARM_SIZE, height=WARM_SIZE, tiny_vae=bool(vae_id))
            engine(warm, cancel=cancel)
            runs = [dataclasses.replace(warm, width=min(size, model["native"]), height=min(size, model["native"]))
                    for size in SIZES]
            measured[model["model_id"]] = [{"params": {**dataclasses.asdict(run), "tiny_vae": bool(vae_id)},
                                            "timings": engine(run, cancel=cancel).timings} for run in runs]
    report(len(models), len(models), "Calibrated")
    return {"images": [], "timings": {"calibration": measured},
            "notes": [f"{m}: " + ", ".join(f"{r['timings']['total']:.2f} s at {r['params']['width']} px" for r in runs)
                      for m, runs in measured.items()]}

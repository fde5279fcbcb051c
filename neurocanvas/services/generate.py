"""Text to image as a job: run in a worker, any process; returns the images with their own seeds and settings."""
from __future__ import annotations

from typing import Any

from neurocanvas import __version__


def render_inputs(job: Any, model_id: str, vae_id: str | None) -> dict:
    """What a worker needs to render a checked request (plain data: it crosses processes)."""
    import dataclasses

    return {"request": dataclasses.asdict(job), "model_id": model_id, "vae_id": vae_id}


def run(runtime: Any, params: dict, inputs: dict, report, cancel) -> dict:
    """The job's runner: inputs hold the checked request, the model and the tiny VAE (if pulled)."""
    from neurocanvas.engines.text_to_image import Request, TextToImage

    job = Request(**inputs["request"])
    model_id, vae_id = inputs["model_id"], inputs.get("vae_id")
    registry = runtime.registry
    report(0, job.num_inference_steps * job.batch_size, "Loading the model")
    with registry.use(model_id) as pipe:
        engine = TextToImage(pipe, registry.get(vae_id) if vae_id else None)

        def progress(index: int, step: int, total: int, preview) -> None:
            report(index * total + step, job.batch_size * total,
                   f"Image {index + 1} of {job.batch_size}: step {step} of {total}", preview)

        result = engine(job, progress=progress, cancel=cancel)
    images = [(image, {**params, "seed": seed, "batch_size": 1, "generator": f"NeuroCanvas {__version__}"}, model_id, seed)
              for image, seed in zip(result.images, result.seeds)]
    return {"images": images, "timings": result.timings, "notes": result.notes}

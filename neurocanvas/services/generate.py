"""Text to image (and image to image) as a job: run in a worker, any process; returns the images with their
own seeds and settings."""
from __future__ import annotations

from typing import Any

from neurocanvas import __version__


def render_inputs(job: Any, model_id: str, vae_id: str | None, init_image: Any = None) -> dict:
    """What a worker needs to render a checked request (plain data: it crosses processes; the start image as PNG)."""
    import dataclasses

    from neurocanvas.services.worker import png_bytes

    start = {"init_image": png_bytes(init_image)} if init_image is not None else {}
    return {"request": dataclasses.asdict(job), "model_id": model_id, "vae_id": vae_id, **start}


def run(runtime: Any, params: dict, inputs: dict, report, cancel) -> dict:
    """The job's runner: inputs hold the checked request, the model, the tiny VAE (if pulled), the start image."""
    from neurocanvas.engines.text_to_image import Request, TextToImage
    from neurocanvas.services.worker import image_from_bytes

    job = Request(**inputs["request"])
    model_id, vae_id = inputs["model_id"], inputs.get("vae_id")
    start = image_from_bytes(inputs["init_image"]) if inputs.get("init_image") else None
    registry = runtime.registry
    report(0, job.denoise_steps() * job.batch_size, "Loading the model")
    with registry.use(model_id) as pipe:
        engine = TextToImage(pipe, registry.get(vae_id) if vae_id else None)

        def progress(index: int, step: int, total: int, preview) -> None:
            report(index * total + step, job.batch_size * total,
                   f"Image {index + 1} of {job.batch_size}: step {step} of {total}", preview)

        result = engine(job, progress=progress, cancel=cancel, init_image=start)
    images = [(image, {**params, "seed": seed, "batch_size": 1, "generator": f"NeuroCanvas {__version__}"}, model_id, seed)
              for image, seed in zip(result.images, result.seeds)]
    return {"images": images, "timings": result.timings, "notes": result.notes}

"""Text to image (and image to image) as a job: run in a worker, any process; returns the images with their
own seeds and settings."""
from __future__ import annotations

from typing import Any

from neurocanvas import __version__


def prepare_request(registry: Any, model_id: str, prompt: str, negative_prompt: str, steps: int, guidance: float,
                    width: int, height: int, seed: int, batch: int = 1, scheduler: str = "default",
                    tiny_vae: bool = True, strength: float | None = None) -> tuple[Any, dict, str | None]:
    """A checked request for an installed model, its stored params, and the tiny VAE to use (if pulled)."""
    import dataclasses

    from neurocanvas.engines.text_to_image import Request, check_inputs

    spec = registry.spec(model_id)
    if spec.task != "text-to-image":
        raise ValueError(f"{spec.name} is not a text-to-image model.")
    d = spec.defaults
    job = Request(prompt=prompt or "", negative_prompt=negative_prompt or "", num_inference_steps=steps,
                  guidance_scale=float(guidance), width=width, height=height, seed=seed, batch_size=batch,
                  scheduler=scheduler or "default", tiny_vae=bool(tiny_vae), strength=strength)
    check_inputs(job, max_size=d.get("max_size", 1024), min_steps=d.get("min_steps", 1), max_steps=d.get("max_steps", 100))
    registry.require(model_id)
    vae_id = d.get("vae") if job.tiny_vae and d.get("vae") and registry.is_installed(d["vae"]) else None
    return job, {**dataclasses.asdict(job), "model_id": model_id, "tiny_vae": bool(vae_id)}, vae_id


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
    images = [(image, {**params, "seed": seed, "batch_size": 1, "backend": result.backend,
                       "generator": f"NeuroCanvas {__version__}"}, model_id, seed)
              for image, seed in zip(result.images, result.seeds)]
    return {"images": images, "timings": result.timings, "notes": result.notes}

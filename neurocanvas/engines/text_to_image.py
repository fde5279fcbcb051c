"""Text to image (and image to image) with few-step diffusion on the CPU: one request in, PIL images out.

Pure: it receives a loaded diffusers pipeline (and optionally a tiny VAE), never a hub id. Each image
of a batch is its own run with seed, seed+1, ..., so any image can be reproduced alone from its seed.
Image to image is the same pipeline's weights seen through diffusers' image-to-image class (from_pipe):
no second copy in memory.
"""
from __future__ import annotations

import dataclasses
import inspect
import math
import threading
import time
from typing import Any, Callable

import numpy as np
from PIL import Image, ImageOps

from neurocanvas.engines.prompt_analysis import MAX_PROMPT_CHARS  # one limit for every prompt in the studio

MAX_STEPS = 100
MAX_BATCH = 8
MAX_SIZE = 1024
MIN_SIZE = 64
MAX_SEED = 2**32 - 1
MAX_GUIDANCE = 30.0

# Linear map from SD 1.x/2.x latents to RGB: a preview for a few microseconds instead of a VAE decode.
LATENT_RGB = np.array([[0.3512, 0.2297, 0.3227], [0.3250, 0.4974, 0.2350],
                       [-0.2829, 0.1762, 0.2721], [-0.2120, -0.2616, -0.7177]], dtype=np.float32)

SCHEDULERS = {  # name shown to the user -> diffusers class name; swapped with from_config
    "default": None,
    "euler": "EulerDiscreteScheduler",
    "euler_a": "EulerAncestralDiscreteScheduler",
    "dpm++_2m": "DPMSolverMultistepScheduler",
    "ddim": "DDIMScheduler",
    "lcm": "LCMScheduler",
}

Progress = Callable[[int, int, int, "Image.Image | None"], None]  # (image index, step, total steps, preview)


class InvalidRequest(ValueError):
    """The request cannot run; the message names the field and the allowed range."""


class Cancelled(Exception):
    """The user stopped the job between two steps."""


@dataclasses.dataclass(frozen=True)
class Request:
    prompt: str
    negative_prompt: str = ""
    num_inference_steps: int = 1
    guidance_scale: float = 0.0
    width: int = 512
    height: int = 512
    seed: int = 0
    batch_size: int = 1
    scheduler: str = "default"
    tiny_vae: bool = True
    strength: float | None = None  # image to image: how far from the start image (None: text to image)

    def seeds(self) -> list[int]:
        return [(self.seed + i) % (MAX_SEED + 1) for i in range(self.batch_size)]

    def denoise_steps(self) -> int:
        """Steps that run: image to image skips the first (1 - strength) of the schedule, as diffusers does."""
        return self.num_inference_steps if self.strength is None else int(self.num_inference_steps * self.strength)


@dataclasses.dataclass
class Result:
    images: list[Image.Image]
    seeds: list[int]
    notes: list[str]
    timings: dict[str, float]
    backend: str = "torch"  # what ran the UNet: torch, openvino or openvino-int8 (recorded in the PNG settings)


def check_inputs(request: Request, max_size: int = MAX_SIZE, min_steps: int = 1, max_steps: int = MAX_STEPS) -> None:
    """Every bound checked before any work, with a message that says what is allowed."""
    if not isinstance(request.prompt, str) or not request.prompt.strip():
        raise InvalidRequest("The prompt is empty: describe the image you want.")
    if len(request.prompt) > MAX_PROMPT_CHARS or len(request.negative_prompt or "") > MAX_PROMPT_CHARS:
        raise InvalidRequest(f"Prompts are limited to {MAX_PROMPT_CHARS:,} characters.")
    for name in ("width", "height"):
        value = getattr(request, name)
        if not isinstance(value, int) or not MIN_SIZE <= value <= max_size:
            raise InvalidRequest(f"{name.title()} must be between {MIN_SIZE} and {max_size} pixels for this model, not {value}.")
        if value % 8:
            raise InvalidRequest(f"{name.title()} must be a multiple of 8, not {value}.")
    if not isinstance(request.num_inference_steps, int) or not min_steps <= request.num_inference_steps <= min(max_steps, MAX_STEPS):
        raise InvalidRequest(f"Steps must be between {min_steps} and {min(max_steps, MAX_STEPS)} for this model, "
                             f"not {request.num_inference_steps}.")
    if not isinstance(request.batch_size, int) or not 1 <= request.batch_size <= MAX_BATCH:
        raise InvalidRequest(f"A batch is 1 to {MAX_BATCH} images, not {request.batch_size}.")
    if not math.isfinite(request.guidance_scale) or not 0 <= request.guidance_scale <= MAX_GUIDANCE:
        raise InvalidRequest(f"Guidance scale must be a number from 0 to {MAX_GUIDANCE:g}, not {request.guidance_scale}.")
    if not isinstance(request.seed, int) or not 0 <= request.seed <= MAX_SEED:
        raise InvalidRequest(f"The seed must be between 0 and {MAX_SEED} (or -1 for a random one).")
    if request.scheduler not in SCHEDULERS:
        raise InvalidRequest(f"Unknown scheduler {request.scheduler!r}; choose one of {', '.join(SCHEDULERS)}.")
    if request.strength is not None:
        if not isinstance(request.strength, (int, float)) or not math.isfinite(request.strength) \
                or not 0 < request.strength <= 1:
            raise InvalidRequest(f"Strength must be above 0 and at most 1 (0 keeps the start image, 1 ignores it), "
                                 f"not {request.strength}.")
        if request.denoise_steps() < 1:
            need = math.ceil(1 / request.strength)
            raise InvalidRequest(f"At strength {request.strength:g}, {request.num_inference_steps} step(s) leave no "
                                 f"step to run: use at least {need} steps, or a higher strength.")


def latent_preview(latents: Any) -> Image.Image:
    """An approximate RGB picture of the current latents (first image of the batch)."""
    array = latents[0].detach().float().cpu().numpy()  # (4, h, w)
    rgb = np.einsum("chw,cr->hwr", array, LATENT_RGB)
    rgb = np.clip((rgb + 1.0) * 127.5, 0, 255).astype(np.uint8)
    return Image.fromarray(rgb).resize((rgb.shape[1] * 4, rgb.shape[0] * 4), Image.Resampling.BILINEAR)


def prompt_tokens(pipe: Any, prompt: str) -> int:
    tokenizer = getattr(pipe, "tokenizer", None)
    return len(tokenizer(prompt, truncation=False)["input_ids"]) if tokenizer is not None else 0


class TextToImage:
    def __init__(self, pipe: Any, tiny_vae: Any | None = None) -> None:
        self.pipe = pipe
        self.tiny_vae = tiny_vae

    def _pipeline_for(self, request: Request, image_to_image: bool = False) -> Any:
        """A view of the shared pipeline with this request's scheduler, VAE and task (from_pipe shares the weights)."""
        import diffusers

        components: dict = {}
        if request.scheduler != "default":
            scheduler_class = getattr(diffusers, SCHEDULERS[request.scheduler])
            components["scheduler"] = scheduler_class.from_config(self.pipe.scheduler.config)
        if request.tiny_vae and self.tiny_vae is not None:
            components["vae"] = self.tiny_vae
        if not components and not image_to_image:
            return self.pipe
        kind = diffusers.AutoPipelineForImage2Image if image_to_image else type(self.pipe)
        view = kind.from_pipe(self.pipe, **components)
        view.set_progress_bar_config(disable=True)
        return view

    def __call__(self, request: Request, progress: Progress | None = None,
                 cancel: threading.Event | None = None, init_image: Image.Image | None = None) -> Result:
        """`init_image` (with `request.strength`): image to image, the start image fitted to width x height."""
        import torch

        if (init_image is None) != (request.strength is None):
            raise InvalidRequest("Image to image needs both a start image and a strength.")
        pipe = self._pipeline_for(request, image_to_image=init_image is not None)
        start: dict = {"width": request.width, "height": request.height}
        if init_image is not None:  # cropped to the asked size's shape, centred, then scaled to it
            start = {"image": ImageOps.fit(init_image.convert("RGB"), (request.width, request.height),
                                           Image.Resampling.LANCZOS), "strength": float(request.strength)}
        notes = [pipe_note] if (pipe_note := getattr(self.pipe, "backend_note", "")) else []
        limit = getattr(getattr(pipe, "tokenizer", None), "model_max_length", 77)
        if prompt_tokens(pipe, request.prompt) > limit:
            notes.append(f"The prompt is longer than the text encoder's {limit} tokens; the rest was ignored.")
        accepts_negative = "negative_prompt" in inspect.signature(pipe.__call__).parameters
        if request.negative_prompt and not accepts_negative:
            notes.append(f"{type(pipe).__name__} takes no negative prompt; it was ignored.")
        timings = {"denoise": 0.0, "decode": 0.0}
        images = []
        for index, seed in enumerate(request.seeds()):
            started = time.perf_counter()
            step_times: list[float] = []

            def on_step(pipeline, step, timestep, kwargs, index=index):
                step_times.append(time.perf_counter())
                if cancel is not None and cancel.is_set():
                    raise Cancelled()
                if progress is not None:
                    progress(index, step + 1, request.denoise_steps(), latent_preview(kwargs["latents"]))
                return kwargs

            if cancel is not None and cancel.is_set():
                raise Cancelled()
            kwargs = {"negative_prompt": request.negative_prompt} if request.negative_prompt and accepts_negative else {}
            with torch.inference_mode():
                output = pipe(prompt=request.prompt, num_inference_steps=request.num_inference_steps,
                              guidance_scale=request.guidance_scale, **start,
                              generator=torch.Generator("cpu").manual_seed(seed), callback_on_step_end=on_step,
                              callback_on_step_end_tensor_inputs=["latents"], **kwargs)
            finished = time.perf_counter()
            last_step = step_times[-1] if step_times else started
            timings["denoise"] += last_step - started
            timings["decode"] += finished - last_step
            images.append(output.images[0])
        timings["total"] = timings["denoise"] + timings["decode"]
        return Result(images=images, seeds=request.seeds(), notes=notes, timings={k: round(v, 3) for k, v in timings.items()},
                      backend=getattr(pipe.unet, "backend", "torch"))

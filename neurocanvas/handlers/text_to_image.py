"""Text to image: form values -> a checked request -> a job on the heavy queue -> images in the gallery."""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import math
import random
import re
from pathlib import Path
from typing import Any, Iterator

import gradio as gr
from PIL import Image

from neurocanvas.context import AppContext
from neurocanvas.engines.text_to_image import (MAX_GUIDANCE, MAX_PROMPT_CHARS, MAX_SEED, MAX_SIZE, MAX_STEPS, MIN_SIZE, SCHEDULERS,
                                               Request, check_inputs)
from neurocanvas.handlers.common import ended_text, seed_text, stopped_text, user_errors, user_of, watch
from neurocanvas.services.estimates import estimate_seconds, work_units
from neurocanvas.services.generate import render_inputs
from neurocanvas.services.jobs import priority_of
from neurocanvas.store.images import PARAMETERS_KEY, read_png_meta

PRESETS_DIR = Path(__file__).resolve().parents[2] / "presets"
AUTO = "auto"
FIELDS = ("prompt", "negative_prompt", "model_id", "num_inference_steps", "guidance_scale", "width", "height",
          "seed", "scheduler", "tiny_vae")


class TextToImageHandler:
    def __init__(self, ctx: AppContext) -> None:
        self.registry = ctx.registry
        self.repo = ctx.repo
        self.jobs = ctx.jobs
        self.auto = None  # the AutoHandler, when the app offers Auto in this tab
        self.quality = json.loads((PRESETS_DIR / "quality_presets.json").read_text(encoding="utf-8"))

    # model choice and defaults -----------------------------------------------------------------
    def model_choices(self) -> list[tuple[str, str]]:
        auto = [("Auto: chosen from the prompt, ranked by CLIP", AUTO)] if self.auto is not None else []
        return auto + [(s.name, s.id) for s in self.registry.specs("text-to-image")]

    def default_model(self, user: str | None = None) -> str:
        """The user's saved default (Profile > Settings) while it is still offered, else the first installed model."""
        if user is not None:
            saved = self.repo.user_settings(user).get("default_text_to_image")
            if saved in {value for _, value in self.model_choices()}:
                return saved
        return self.registry.first_installed("text-to-image") or self.registry.specs("text-to-image")[0].id

    def user_model(self, request: gr.Request) -> str:
        """The model the tab opens with for this user."""
        with user_errors():
            return self.default_model(user_of(request))

    def model_defaults(self, model_id: str) -> tuple:
        """Steps, guidance, width and height from the catalog when the model changes (its bounds are checked on run)."""
        with user_errors():
            if model_id == AUTO:
                return gr.skip(), gr.skip(), gr.skip(), gr.skip(), self.status(model_id), gr.skip()
            d = self.registry.spec(model_id).defaults
            return (d.get("num_inference_steps", 4), d.get("guidance_scale", 0.0), d.get("width", 512),
                    d.get("height", 512), self.status(model_id), self.tiny_vae_box(d.get("vae")))

    def tiny_vae_box(self, vae: str | None) -> dict:
        """Ticked and usable only when the model has a tiny VAE and it is installed; else it says why not."""
        if not vae:
            return gr.update(value=False, interactive=False, label="Tiny VAE: none for this model (full VAE decode)")
        if not self.registry.is_installed(vae):
            return gr.update(value=False, interactive=False, label=f"Tiny VAE ({vae}): not installed, so the full "
                             f"VAE decodes; `{self.registry.install_command(vae)}` adds it")
        return gr.update(value=True, interactive=True, label=f"Tiny VAE ({vae}): 10x faster decode")

    def apply_quality(self, quality: str, model_id: str) -> tuple[int, int, int]:
        """Draft / standard / high: steps and size resolved against the chosen model's range."""
        with user_errors():
            if quality not in self.quality:
                raise ValueError(f"Unknown quality preset {quality!r}.")
            d = self.registry.spec(self.default_model() if model_id == AUTO else model_id).defaults
            preset = self.quality[quality]
            steps = {"min": d.get("min_steps", 1), "max": d.get("max_steps", 50)}.get(preset["steps"], d.get("num_inference_steps", 4))
            size = {"default": d.get("width", 512), "max": d.get("max_size", 512)}.get(preset["size"], preset["size"])
            size = max(64, min(int(size), d.get("max_size", 1024)))
            return steps, size, size

    def status(self, model_id: str | None = None, request: gr.Request | None = None) -> str:
        model_id = model_id or self.default_model(user_of(request) if request is not None else None)
        if model_id == AUTO:
            installed = [s.name for s in self.registry.specs("text-to-image") if self.registry.is_installed(s.id)]
            if not installed:
                return self.status(self.default_model())
            return ("**Auto** picks models from the prompt (each with its own steps and guidance) and runs them. "
                    f"Installed: {', '.join(installed)}. Batch sets how many images (2-4). "
                    + self.auto.compare.clip_status())
        spec = self.registry.spec(model_id)
        if self.registry.is_installed(model_id):
            vae = spec.defaults.get("vae")
            tiny = f" Tiny VAE ({vae}) {'installed' if vae and self.registry.is_installed(vae) else 'not pulled: full VAE decode (slower)'}." if vae else ""
            return f"**{spec.name}** is ready ({spec.licence}).{tiny}"
        return (f"**{spec.name}** is not downloaded yet ({spec.size_mb:.0f} MB, licence: {spec.licence}). "
                f"Run `{self.registry.install_command(model_id)}` or press Pull.")

    def stopped(self, request: gr.Request) -> str:
        """The line Stop leaves in the tab (Gradio's cancel itself says nothing)."""
        return stopped_text(self.repo, user_of(request), ("text_to_image",))

    # generation --------------------------------------------------------------------------------
    def prepare(self, model_id: str, prompt: str, negative_prompt: str, steps: Any, guidance: Any, width: Any,
                height: Any, seed: int, batch: Any = 1, scheduler: str = "default",
                tiny_vae: bool = True) -> tuple[Request, dict, str | None]:
        """A checked request for an installed model, its stored params, and the tiny VAE to use (if pulled)."""
        spec = self.registry.spec(model_id)
        if spec.task != "text-to-image":
            raise ValueError(f"{spec.name} is not a text-to-image model.")
        d = spec.defaults
        job = Request(prompt=prompt or "", negative_prompt=negative_prompt or "",
                      num_inference_steps=_integer(steps, "steps"), guidance_scale=float(guidance),
                      width=_integer(width, "width"), height=_integer(height, "height"), seed=seed,
                      batch_size=_integer(batch, "batch"), scheduler=scheduler or "default", tiny_vae=bool(tiny_vae))
        check_inputs(job, max_size=d.get("max_size", 1024), min_steps=d.get("min_steps", 1),
                     max_steps=d.get("max_steps", 100))
        self.registry.require(model_id)
        vae_id = d.get("vae") if job.tiny_vae and d.get("vae") and self.registry.is_installed(d["vae"]) else None
        return job, {**dataclasses.asdict(job), "model_id": model_id, "tiny_vae": bool(vae_id)}, vae_id

    def generate(self, prompt: str, negative_prompt: str, model_id: str, steps: float, guidance: float, width: float,
                 height: float, seed: float, batch: float, scheduler: str, tiny_vae: bool, request: gr.Request,
                 progress=gr.Progress()) -> Iterator[tuple]:
        """Yields (gallery, preview, info, seed used) as the job moves; a Stop closes it between steps."""
        user = user_of(request)
        if model_id == AUTO and self.auto is not None:
            yield from self.auto.for_text_to_image(prompt, negative_prompt, width, height, seed, batch, request, progress)
            return
        with user_errors():
            seed = _integer(seed, "seed")
            if seed == -1:
                seed = random.randint(0, MAX_SEED)
            job, params, vae_id = self.prepare(model_id, prompt, negative_prompt, steps, guidance, width, height, seed,
                                               batch, scheduler, tiny_vae)
            spec = self.registry.spec(model_id)
            key = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()
            cached = self.repo.find_done_generation(user, key)
            if cached is not None:
                rows = self.repo.generation_images(user, cached.id)
                if len(rows) == job.batch_size and all(self.repo.image_path(r).is_file() for r in rows):
                    yield (self._gallery(rows), gr.skip(), f"Same request as job #{cached.id}: its images, at once.", seed)
                    return
            if model_id not in self.registry.loaded_ids():
                yield (gr.skip(), gr.skip(), f"Loading {spec.name}…", seed)
            self.registry.preload(model_id)  # a corrupt model fails here, before any row is written
            if vae_id:
                self.registry.preload(vae_id)
            units = work_units(job.num_inference_steps, job.batch_size, job.width, job.height)
            generation_id = self.jobs.submit(
                user, "text_to_image", params, inputs=render_inputs(job, model_id, vae_id), prompt=job.prompt,
                negative_prompt=job.negative_prompt, model_ids=[model_id] + ([vae_id] if vae_id else []),
                request_key=key, priority=priority_of(job.width, job.height, job.batch_size),
                estimate_s=self.estimate(model_id, units))
        update = yield from watch(self.jobs, generation_id, progress,
                                  lambda line, preview: (gr.skip(), preview if preview is not None else gr.skip(), line, seed))
        with user_errors():
            if update.status != "done":
                yield (gr.skip(), gr.skip(), ended_text(update), seed)
                return
            rows = self.repo.generation_images(user, generation_id)
            timings = json.loads(update.generation.timings or "{}")
            info = [f"Job #{generation_id}: {len(rows)} image(s) in {timings.get('total', 0):.1f} s "
                    f"(denoise {timings.get('denoise', 0):.1f} s, decode {timings.get('decode', 0):.1f} s). "
                    f"Seeds: {', '.join(str(r.seed) for r in rows)}.", *timings.get("notes", [])]
            yield (self._gallery(rows), gr.skip(), "\n\n".join(info), seed)

    def estimate(self, model_id: str, units: float) -> float:
        """Seconds for `units` of work on this model, from this machine's latest finished runs of it."""
        history = [(work_units(p.get("num_inference_steps", 1), p.get("batch_size", 1), p.get("width", 512),
                               p.get("height", 512)), t.get("total", 0))
                   for p, t in self.repo.recent_timings("text_to_image", model_id)]
        return estimate_seconds(units, history)

    def _gallery(self, rows) -> list[tuple[str, str]]:
        return [(str(self.repo.image_path(r)), f"#{r.id}{seed_text(r.seed)} · {r.model_id}") for r in rows]

    # reading settings back from a PNG -------------------------------------------------------------
    def read_png(self, path: str | None) -> tuple:
        """Fill the form from a PNG's settings: ours (JSON) or AUTOMATIC1111's `parameters` text."""
        with user_errors():
            if not path:
                return tuple(gr.skip() for _ in FIELDS) + ("",)
            try:
                meta = read_png_meta(path)
                if not meta:
                    meta = parse_a1111(_png_text(path).get(PARAMETERS_KEY, ""))
            except Image.DecompressionBombError:
                raise ValueError("That PNG is too large to open safely; its settings were not read.") from None
            except (OSError, ValueError, SyntaxError):
                raise ValueError("That file is not a readable PNG.") from None
            kept, skipped = checked_settings(meta)
            if not kept:
                raise ValueError("That PNG carries no generation settings this form can use.")
            values = tuple(kept[f] if f in kept else gr.skip() for f in FIELDS)
            line = "Settings read from the PNG" + (f" (seed {kept['seed']})." if "seed" in kept else ".")
            if skipped:
                line += f" Left as they were (missing or out of range in the file): {', '.join(skipped)}."
            return values + (line,)


_WHOLE = {"num_inference_steps": (1, MAX_STEPS), "width": (MIN_SIZE, MAX_SIZE), "height": (MIN_SIZE, MAX_SIZE),
          "seed": (0, MAX_SEED)}


def checked_settings(meta: Any) -> tuple[dict, list[str]]:
    """The fields a PNG may set, each of the form's type and range, and the names of those dropped.

    A PNG's text chunks are anybody's to write: a settings JSON of `42`, or a seed of 1e300, must not reach
    the widgets (an integer past 64 bits cannot even be sent to the browser)."""
    if not isinstance(meta, dict):
        return {}, []
    kept: dict[str, Any] = {}
    for field in FIELDS:
        value = meta.get(field)
        if field in ("prompt", "negative_prompt"):
            ok = isinstance(value, str) and len(value) <= MAX_PROMPT_CHARS
        elif field in ("model_id", "scheduler"):
            ok = isinstance(value, str) and len(value) <= 200 and (field != "scheduler" or value in SCHEDULERS)
        elif field == "tiny_vae":
            ok = isinstance(value, bool)
        elif field == "guidance_scale":
            ok = _number(value) and 0 <= value <= MAX_GUIDANCE
        else:
            low, high = _WHOLE[field]
            ok = _number(value) and float(value).is_integer() and low <= value <= high
            value = int(value) if ok else value
        if ok:
            kept[field] = value
    return kept, [f for f in FIELDS if f not in kept and f in meta]


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _png_text(path: str) -> dict:
    with Image.open(path) as image:
        return dict(getattr(image, "text", {}) or image.info)


A1111_KEYS = {"Steps": ("num_inference_steps", int), "CFG scale": ("guidance_scale", float), "Seed": ("seed", int)}


def parse_a1111(text: str) -> dict:
    """AUTOMATIC1111's 'parameters': prompt lines, 'Negative prompt: ...', then 'Key: value, ...'."""
    if not text.strip():
        return {}
    lines = text.strip().split("\n")
    settings_line = lines[-1] if re.search(r"(^|, )Steps: \d+", lines[-1]) else ""
    body = lines[:-1] if settings_line else lines
    meta: dict[str, Any] = {}
    negative = [i for i, line in enumerate(body) if line.startswith("Negative prompt:")]
    if negative:
        meta["prompt"] = "\n".join(body[: negative[0]])
        meta["negative_prompt"] = "\n".join(body[negative[0]:])[len("Negative prompt:"):].strip()
    else:
        meta["prompt"] = "\n".join(body)
    for key, value in re.findall(r"([A-Za-z][A-Za-z ]*): ([^,]+)", settings_line):
        with contextlib.suppress(ValueError):  # a value that is not a number is left out, and named as skipped
            if key in A1111_KEYS:
                field, convert = A1111_KEYS[key]
                meta[field] = convert(value.strip())
            elif key == "Size" and "x" in value:
                meta["width"], meta["height"] = (int(v) for v in value.strip().split("x"))
    return meta


def _integer(value: Any, name: str) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name.title()} must be a number.") from None
    if number != number or number in (float("inf"), float("-inf")) or number != int(number):
        raise ValueError(f"{name.title()} must be a whole number, not {value}.")
    return int(number)


SCHEDULER_CHOICES = list(SCHEDULERS)

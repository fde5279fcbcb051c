"""Text to image: form values -> a checked request -> a job on the heavy queue -> images in the gallery."""
from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any, Iterator

import gradio as gr

from neurocanvas.context import AppContext
from neurocanvas.engines.png_settings import checked_settings
from neurocanvas.engines.style_transfer import load_image
from neurocanvas.engines.text_to_image import MAX_SEED, SCHEDULERS, Request
from neurocanvas.handlers.auto_follow import follow
from neurocanvas.handlers.common import (ended_text, form_seed, row_id, seed_text, stopped_text, user_errors, user_of,
                                         watch, whole_number)
from neurocanvas.services.auto_run import AutoRuns
from neurocanvas.services.estimates import estimate_seconds, render_history, work_units
from neurocanvas.services.generate import prepare_request, render_inputs
from neurocanvas.services.jobs import priority_of
from neurocanvas.store.images import read_png_meta

PRESETS_DIR = Path(__file__).resolve().parents[2] / "presets"
AUTO = "auto"
VARIATION_STRENGTH = 0.5  # a close variation: half the schedule re-drawn from the image


class TextToImageHandler:
    def __init__(self, ctx: AppContext, auto_runs: AutoRuns | None = None) -> None:
        """`auto_runs`: offer "Auto" (models planned from the prompt, ranked by CLIP) in the model list."""
        self.registry = ctx.registry
        self.repo = ctx.repo
        self.jobs = ctx.jobs
        self.auto_runs = auto_runs
        self.quality = json.loads((PRESETS_DIR / "quality_presets.json").read_text(encoding="utf-8"))

    # model choice and defaults -----------------------------------------------------------------
    def model_choices(self) -> list[tuple[str, str]]:
        auto = [("Auto: chosen from the prompt, ranked by CLIP", AUTO)] if self.auto_runs is not None else []
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
                    + self.auto_runs.ranking.status())
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
                tiny_vae: bool = True, strength: Any = None) -> tuple[Request, dict, str | None]:
        """A checked request for an installed model, its stored params, and the tiny VAE to use (if pulled)."""
        return prepare_request(self.registry, model_id, prompt, negative_prompt, whole_number(steps, "steps"), float(guidance),
                               whole_number(width, "width"), whole_number(height, "height"), seed, whole_number(batch, "batch"),
                               scheduler, tiny_vae, None if strength is None else _strength(strength))

    def generate(self, prompt: str, negative_prompt: str, model_id: str, steps: float, guidance: float, width: float,
                 height: float, seed: float, batch: float, scheduler: str, tiny_vae: bool, request: gr.Request,
                 progress=gr.Progress()) -> Iterator[tuple]:
        """Yields (gallery, preview, info, seed used) as the job moves; a Stop closes it between steps."""
        if model_id == AUTO and self.auto_runs is not None:
            yield from self._auto(prompt, negative_prompt, width, height, seed, batch, request, progress)
            return
        with user_errors():
            seed = form_seed(seed)
            job, params, vae_id = self.prepare(model_id, prompt, negative_prompt, steps, guidance, width, height, seed,
                                               batch, scheduler, tiny_vae)
        yield from self._render(user_of(request), model_id, job, params, vae_id, progress)

    def _auto(self, prompt: str, negative_prompt: str, width: Any, height: Any, seed: Any, batch: Any,
              request: gr.Request, progress) -> Iterator[tuple]:
        """Auto's plan for the prompt, Batch (2-4) images; the seed is drawn here, so "Seed used" shows it."""
        user = user_of(request)
        with user_errors():
            count = min(4, max(2, whole_number(batch, "batch")))
            used = whole_number(seed, "seed")
            used = random.randint(0, MAX_SEED - 4) if used == -1 else used
            plan = self.auto_runs.make_plan(user, prompt or "", count)
            started = self.auto_runs.start(user, plan, prompt, negative_prompt, whole_number(width, "width"),
                                           whole_number(height, "height"), used, 0)
        for gallery, preview, info, _, _ in follow(self.auto_runs, user, started, progress):
            yield gallery, preview, info, used

    def image_to_image(self, prompt: str, negative_prompt: str, model_id: str, steps: float, guidance: float,
                       width: float, height: float, seed: float, batch: float, scheduler: str, tiny_vae: bool,
                       start: str | None, start_id: float | None, strength: float, request: gr.Request,
                       progress=gr.Progress()) -> Iterator[tuple]:
        """The form's request started from an image: an upload (`start`) or one of the user's gallery images
        (`start_id`, which the new images name as their parent). Yields what generate yields."""
        user = user_of(request)
        with user_errors():
            if model_id == AUTO:
                raise ValueError("Image to image runs one model: pick it in Model (Auto is for text alone).")
            parent = self.repo.image(user, row_id(start_id, "a gallery image")) if start_id else None
            if parent is None and not start:
                raise ValueError("Image to image starts from an image: upload one, or pick one in Profile > Gallery "
                                 "and press 'Image to image'.")
            source = self.repo.image_path(parent) if parent is not None else start
            init_image = load_image(source, "start image")
            seed = form_seed(seed)
            job, params, vae_id = self.prepare(model_id, prompt, negative_prompt, steps, guidance, width, height, seed,
                                               batch, scheduler, tiny_vae, strength=strength)
            params["parent_id"] = parent.id if parent is not None else None
            params["init_image_sha256"] = hashlib.sha256(init_image.tobytes()).hexdigest()
        yield from self._render(user, model_id, job, params, vae_id, progress, init_image)

    def variations(self, image_id: float, count: float, close: bool, request: gr.Request,
                   progress=gr.Progress()) -> Iterator[tuple]:
        """The picked image's prompt and settings again with new seeds; `close` starts each from the image
        itself (image to image at strength 0.5), so they keep its layout. The new images name it as parent."""
        user = user_of(request)
        with user_errors():
            row = self.repo.image(user, row_id(image_id, "an image"))
            made, _ = checked_settings(read_png_meta(self.repo.image_path(row)))
            if not made.get("prompt") or made.get("model_id") not in {s.id for s in self.registry.specs("text-to-image")}:
                raise ValueError(f"Image #{row.id} was not made from a prompt here, so it has none to vary; "
                                 "Image to image (in Text to image) starts from any image.")
            steps = made.get("num_inference_steps", 1)
            job, params, vae_id = self.prepare(
                made["model_id"], made["prompt"], made.get("negative_prompt", ""), max(steps, 2) if close else steps,
                made.get("guidance_scale", 0.0), made.get("width", row.width), made.get("height", row.height),
                form_seed(-1), count, made.get("scheduler", "default"), made.get("tiny_vae", True),
                strength=VARIATION_STRENGTH if close else None)
            params["parent_id"] = row.id
        yield from self._render(user, made["model_id"], job, params, vae_id, progress,
                                load_image(self.repo.image_path(row), "image") if close else None)

    def start_from(self, image_id: float, request: gr.Request) -> tuple[str, int]:
        """One of the user's gallery images as Image to image's start: (its file, its id)."""
        with user_errors():
            row = self.repo.image(user_of(request), row_id(image_id, "an image"))
            return str(self.repo.image_path(row)), row.id

    def start_note(self, start_id: float | None) -> str:
        return f"Starting from gallery image #{int(start_id)}; the new images name it as their parent." if start_id else ""

    def _render(self, user: str, model_id: str, job: Request, params: dict, vae_id: str | None, progress: Any,
                init_image: Any = None) -> Iterator[tuple]:
        """Submit the checked request (or give the same request's images back), watch it, show its images."""
        seed = job.seed
        with user_errors():
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
            units = work_units(job.denoise_steps(), job.batch_size, job.width, job.height)
            generation_id = self.jobs.submit(
                user, "text_to_image", params, inputs=render_inputs(job, model_id, vae_id, init_image),
                prompt=job.prompt, negative_prompt=job.negative_prompt,
                model_ids=[model_id] + ([vae_id] if vae_id else []), request_key=key,
                priority=priority_of(job.width, job.height, job.batch_size), estimate_s=estimate_seconds(units, render_history(self.repo, model_id)))
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
            source = f"image #{params['parent_id']}" if params.get("parent_id") else "the upload"
            if job.strength is not None:
                info.insert(1, f"From {source} at strength {job.strength:g} ({job.denoise_steps()} of "
                               f"{job.num_inference_steps} steps ran).")
            elif params.get("parent_id"):
                info.insert(1, f"Variations of {source}: its prompt and settings with new seeds.")
            yield (self._gallery(rows), gr.skip(), "\n\n".join(info), seed)

    def _gallery(self, rows) -> list[tuple[str, str]]:
        return [(str(self.repo.image_path(r)), f"#{r.id}{seed_text(r.seed)} · {r.model_id}") for r in rows]


def _strength(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"Strength must be a number above 0 and at most 1, not {value!r}.") from None


SCHEDULER_CHOICES = list(SCHEDULERS)

"""Style transfer: a photo and up to three styles (presets or the user's own image) -> a job -> the gallery."""
from __future__ import annotations

import json
from typing import Iterator

import gradio as gr

from neurocanvas.context import AppContext
from neurocanvas.engines.instant_style import Request as InstantRequest
from neurocanvas.engines.instant_style import check_inputs as check_instant
from neurocanvas.engines.style_transfer import Request, check_inputs, load_image
from neurocanvas.handlers.common import ended_text, stopped_text, user_errors, user_of, watch
from neurocanvas.services.estimates import estimate_seconds, restyle_history, work_units
from neurocanvas.services.jobs import priority_of
from neurocanvas.services.restyle import INSTANT, QUICK, style_inputs
from neurocanvas.style_presets import label, load_presets, preset_image

NONE = "none"
NAMES = {INSTANT: "Instant (any style, no download)",
         QUICK: "Quick: refine by optimising (EfficientNet-lite0, no download)",
         "vgg19": "Classic: refine by optimising (VGG19, pull once)"}
SHORT = {INSTANT: "Instant", QUICK: "Quick", "vgg19": "Classic"}
DEFAULT_STEPS = 135  # the optimisers' default quality, as the tab's slider starts


class StyleTransferHandler:
    def __init__(self, ctx: AppContext) -> None:
        self.registry = ctx.registry
        self.repo = ctx.repo
        self.settings = ctx.settings
        self.jobs = ctx.jobs
        self.presets = load_presets()

    def preset_choices(self) -> list[tuple[str, str]]:
        return [("(none)", NONE)] + [(label(p), key) for key, p in self.presets.items()]

    def method_choices(self) -> list[tuple[str, str]]:
        """The instant network first, then the optimisation methods that refine, then fast networks trained here."""
        instant = [(NAMES.get(s.id, s.name), s.id) for s in self.registry.specs("arbitrary-style")]
        fast = [(f"{s.name} (~1 s; its style only)", s.id) for s in self.registry.specs("fast-style")
                if self.registry.is_installed(s.id)]
        return instant + [(NAMES.get(s.id, s.name), s.id) for s in self.registry.specs("style-features")] + fast

    def default_method(self, user: str | None = None) -> str:
        """The user's saved default (Profile > Settings) while it is still offered, else instant where installed."""
        saved = self.repo.user_settings(user).get("default_style_method") if user is not None else None
        if saved in {value for _, value in self.method_choices()}:
            return saved
        return INSTANT if INSTANT in self.registry.catalog and self.registry.is_installed(INSTANT) else QUICK

    def refresh_methods(self, request: gr.Request) -> dict:
        """New fast networks appear without a restart (they are trained from the command line)."""
        with user_errors():
            return gr.update(choices=self.method_choices(), value=self.default_method(user_of(request)))

    def method_note(self) -> str:
        """What each method costs on this machine, from its own finished jobs scaled to a 512 px photo; before the
        first job, the catalog's figure from the 2-core bench machines."""
        costs = []
        for _, method in self.method_choices():
            one_pass = self.registry.spec(method).task != "style-features"
            history = restyle_history(self.repo, method, one_pass)
            seconds = estimate_seconds(work_units(1 if one_pass else DEFAULT_STEPS, 1, 512, 512), history)
            typical = self.registry.spec(method).defaults.get("typical_512")
            costs.append(f"{SHORT.get(method, self.registry.spec(method).name)}: " + (
                f"about {seconds:.1f} s" if history else f"typically {typical} on 2 cores (not run here yet)"
                if typical else "not run here yet"))
        trained = [s.name for s in self.registry.specs("fast-style") if self.registry.is_installed(s.id)]
        fast = (f"Fast networks trained here: {', '.join(trained)}." if trained else
                "Fast method (~1 s, one style each): train a network once on your own photos: "
                "`python -m neurocanvas train-style starry-night --photos ~/Pictures` (about 8 minutes).")
        return (f"On this machine, a 512 px photo (optimisers at {DEFAULT_STEPS} steps): {' · '.join(costs)}. "
                f"The instant method ignores Quality (steps); strength above 1 is full style. {fast}")

    def restyle(self, content: str | None, preset_a: str, weight_a: float, preset_b: str, weight_b: float,
                own_style: str | None, own_weight: float, strength: float, size: float, steps: float,
                keep_colors: bool, method: str, request: gr.Request, progress=gr.Progress()) -> Iterator[tuple]:
        """Yields (result, preview, info, image id) while optimising; the result is saved with its settings."""
        user = user_of(request)
        with user_errors():
            if not content:
                raise ValueError("Upload a photo to restyle.")
            photo = load_image(content, "photo")
            if self.registry.spec(method).task == "fast-style":
                yield from self._fast(user, photo, method, float(strength), int(size), bool(keep_colors))
                return
            styles, names = [], []
            for preset, weight in ((preset_a, weight_a), (preset_b, weight_b)):
                if preset and preset != NONE:
                    path = preset_image(preset, self.settings.styles_dir, self.settings.models_dir)
                    styles.append((load_image(path, "style painting"), float(weight)))
                    names.append(preset)
            if own_style:
                styles.append((load_image(own_style, "style image"), float(own_weight)))
                names.append("own image")
            if self.registry.spec(method).task == "arbitrary-style":
                yield from self._instant(user, photo, styles, names, method, float(strength), size, bool(keep_colors))
                return
            job = Request(content=photo, styles=styles, strength=float(strength), size=int(size), steps=int(steps),
                          keep_colors=bool(keep_colors))
            check_inputs(job)
            spec = self.registry.spec(method)
            if spec.task != "style-features":
                raise ValueError(f"{spec.name} is not a style transfer method.")
            self.registry.preload(method)  # missing or corrupt weights fail here, before any row is written
            params = {"styles": names, "weights": [w for _, w in styles], "strength": job.strength, "size": job.size,
                      "steps": job.steps, "keep_colors": job.keep_colors, "method": method}
            history = restyle_history(self.repo, method, one_pass=False)
            request = {"strength": job.strength, "size": job.size, "steps": job.steps, "keep_colors": job.keep_colors}
            generation_id = self.jobs.submit(
                user, "style_transfer", {**params, "label": f"Restyle: {' + '.join(names)}"},
                inputs=style_inputs(photo, styles, method, request), prompt=" + ".join(names), model_ids=[method],
                priority=priority_of(job.size, job.size, 1),
                estimate_s=estimate_seconds(work_units(job.steps, 1, job.size, job.size), history))
        yield from self._follow(user, generation_id, progress)

    def _fast(self, user: str, photo, method: str, strength: float, size: int, keep_colors: bool) -> Iterator[tuple]:
        """One pass of a trained network: the preset and steps do not apply, strength above 1 is full style."""
        spec = self.registry.spec(method)
        if not 256 <= size <= 1024:
            raise ValueError("The output size (long side) must be between 256 and 1024 pixels.")
        if not strength > 0:
            raise ValueError("Strength must be above 0.")
        self.registry.preload(method)
        request = {"size": size, "strength": min(strength, 1.0), "keep_colors": keep_colors}
        params = {"styles": [spec.defaults.get("style")], "weights": [1.0], "strength": request["strength"], "size": size,
                  "keep_colors": keep_colors, "method": method}
        generation_id = self.jobs.submit(user, "style_transfer", {**params, "label": spec.name},
                                         inputs=style_inputs(photo, [], method, request),
                                         prompt=str(spec.defaults.get("style")), model_ids=[method],
                                         priority=priority_of(size, size, 1), estimate_s=1.0)
        yield from self._follow(user, generation_id, None)

    def _instant(self, user: str, photo, styles: list, names: list[str], method: str, strength: float, size: float,
                 keep_colors: bool) -> Iterator[tuple]:
        """One pass of the arbitrary-style network: strength above 1 (the optimisers' scale) is full style."""
        job = InstantRequest(content=photo, styles=styles, strength=min(strength, 1.0), size=int(size),
                             keep_colors=keep_colors)
        check_instant(job)
        self.registry.preload(method)  # a missing or damaged ONNX file fails here, naming the file
        request = {"strength": job.strength, "size": job.size, "keep_colors": job.keep_colors}
        params = {"styles": names, "weights": [w for _, w in styles], **request, "method": method}
        history = restyle_history(self.repo, method, one_pass=True)
        generation_id = self.jobs.submit(
            user, "style_transfer", {**params, "label": f"Restyle: {' + '.join(names)}"},
            inputs=style_inputs(photo, styles, method, request), prompt=" + ".join(names), model_ids=[method],
            priority=priority_of(job.size, job.size, 1),
            estimate_s=estimate_seconds(work_units(1, 1, job.size, job.size), history) if history else 1.0)
        yield from self._follow(user, generation_id, None)

    def stopped(self, request: gr.Request) -> str:
        """The line Stop leaves in the tab, instead of the last step's."""
        return stopped_text(self.repo, user_of(request), ("style_transfer",))

    def _follow(self, user: str, generation_id: int, progress) -> Iterator[tuple]:
        update = yield from watch(self.jobs, generation_id, progress,
                                  lambda line, preview: (gr.skip(), preview if preview is not None else gr.skip(), line,
                                                         gr.skip()))
        with user_errors():
            if update.status != "done":
                yield gr.skip(), gr.skip(), ended_text(update), gr.skip()
                return
            row = self.repo.generation_images(user, generation_id)[0]
            note = "; ".join(json.loads(update.generation.timings or "{}").get("notes", []))
            yield (str(self.repo.image_path(row)), gr.skip(),
                   f"Job #{generation_id}: {note}. Saved to the gallery as image #{row.id}.", row.id)

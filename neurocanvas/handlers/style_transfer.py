"""Style transfer: a photo and up to three styles (presets or the user's own image) -> a job -> the gallery."""
from __future__ import annotations

from typing import Any, Iterator

import gradio as gr

from neurocanvas import __version__
from neurocanvas.context import AppContext
from neurocanvas.engines.style_transfer import (
    Cancelled,
    EfficientNetTaps,
    Request,
    StyleTransfer,
    VGGTaps,
    check_inputs,
    load_image,
)
from neurocanvas.engines.fast_style import FastStyle
from neurocanvas.engines.fast_style import Request as FastRequest
from neurocanvas.handlers.common import eta_text, run_in_worker, user_errors, user_of, wait_turn
from neurocanvas.job_queue import Ticket, estimate_seconds, work_units
from neurocanvas.style_presets import label, load_presets, preset_image

NONE = "none"
QUICK = "efficientnet-lite0"


class StyleTransferHandler:
    def __init__(self, ctx: AppContext, prefs: Any = None) -> None:
        self.prefs = prefs  # PreferencesHandler: a new job marks the last job's unanswered images as skipped
        self.registry = ctx.registry
        self.repo = ctx.repo
        self.settings = ctx.settings
        self.jobs = ctx.jobs
        self.presets = load_presets()

    def preset_choices(self) -> list[tuple[str, str]]:
        return [("(none)", NONE)] + [(label(p), key) for key, p in self.presets.items()]

    def method_choices(self) -> list[tuple[str, str]]:
        """Optimisation methods, then the fast networks trained on this machine (one per style)."""
        names = {QUICK: "Quick (EfficientNet-lite0, no download)", "vgg19": "Classic (VGG19, pull once)"}
        fast = [(f"{s.name} (~1 s; its style only)", s.id) for s in self.registry.specs("fast-style")
                if self.registry.is_installed(s.id)]
        return [(names.get(s.id, s.name), s.id) for s in self.registry.specs("style-features")] + fast

    def default_method(self, user: str | None = None) -> str:
        """The user's saved default (Profile > Settings) while it is still offered, else the quick method."""
        saved = self.repo.user_settings(user).get("default_style_method") if user is not None else None
        return saved if saved in {value for _, value in self.method_choices()} else QUICK

    def refresh_methods(self, request: gr.Request) -> dict:
        """New fast networks appear without a restart (they are trained from the command line)."""
        with user_errors():
            return gr.update(choices=self.method_choices(), value=self.default_method(user_of(request)))

    def fast_note(self) -> str:
        trained = [s.name for s in self.registry.specs("fast-style") if self.registry.is_installed(s.id)]
        if trained:
            return f"Fast networks trained here: {', '.join(trained)}."
        return ("Fast method (~1 s a photo): train a network for a style once, on your own photos: "
                "`python -m neurocanvas train-style starry-night --photos ~/Pictures` (about 8 minutes).")

    def restyle(self, content: str | None, preset_a: str, weight_a: float, preset_b: str, weight_b: float,
                own_style: str | None, own_weight: float, strength: float, size: float, steps: float,
                keep_colors: bool, method: str, request: gr.Request, progress=gr.Progress()) -> Iterator[tuple]:
        """Yields (result, preview, info) while optimising; the result is saved with its settings."""
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
            job = Request(content=photo, styles=styles, strength=float(strength), size=int(size), steps=int(steps),
                          keep_colors=bool(keep_colors))
            check_inputs(job)
            spec = self.registry.spec(method)
            if spec.task != "style-features":
                raise ValueError(f"{spec.name} is not a style transfer method.")
            self.registry.preload(method)  # missing or corrupt weights fail here, before any row is written
            params = {"styles": names, "weights": [w for _, w in styles], "strength": job.strength, "size": job.size,
                      "steps": job.steps, "keep_colors": job.keep_colors, "method": method}
            if self.prefs is not None:
                self.prefs.skip_unanswered(user)
            generation = self.repo.create_generation(user, "style_transfer", prompt=" + ".join(names), params=params,
                                                     model_ids=[method])
            history = [(work_units(p.get("steps", 1), 1, p.get("size", 512), p.get("size", 512)), t.get("total", 0))
                       for p, t in self.repo.recent_timings("style_transfer", method)]
            ticket = self.jobs.join(generation.id, user, f"Restyle: {' + '.join(names)}",
                                    estimate_seconds(work_units(job.steps, 1, job.size, job.size), history))

        yield from self._run(user, generation.id, job, method, params, progress, ticket)

    def _fast(self, user: str, photo, method: str, strength: float, size: int, keep_colors: bool) -> Iterator[tuple]:
        """One pass of a trained network: the preset and steps do not apply, strength above 1 is full style."""
        spec = self.registry.spec(method)
        if not 256 <= size <= 1024:
            raise ValueError("The output size (long side) must be between 256 and 1024 pixels.")
        if not strength > 0:
            raise ValueError("Strength must be above 0.")
        self.registry.preload(method)
        job = FastRequest(content=photo, size=size, strength=min(strength, 1.0), keep_colors=keep_colors)
        params = {"styles": [spec.defaults.get("style")], "weights": [1.0], "strength": job.strength, "size": size,
                  "keep_colors": keep_colors, "method": method}
        if self.prefs is not None:
            self.prefs.skip_unanswered(user)
        generation = self.repo.create_generation(user, "style_transfer", prompt=str(spec.defaults.get("style")),
                                                 params=params, model_ids=[method])
        ticket = self.jobs.join(generation.id, user, spec.name, estimate=1.0)
        try:
            started = yield from wait_turn(self.jobs, ticket, lambda line: (gr.skip(), gr.skip(), line))
            if not started:
                self.repo.set_generation_status(user, generation.id, "cancelled")
                yield gr.skip(), gr.skip(), "Cancelled while waiting: nothing was saved."
                return
            self.repo.set_generation_status(user, generation.id, "running")
            with self.registry.use(method) as network:
                result = FastStyle(network)(job)
            meta = {**params, "kind": "style_transfer", "generator": f"NeuroCanvas {__version__}"}
            row = self.repo.save_image(user, generation.id, result.image, meta, model_id=method)
        except BaseException as exc:
            self.repo.set_generation_status(user, generation.id, "cancelled" if isinstance(exc, GeneratorExit) else "failed",
                                            error="" if isinstance(exc, GeneratorExit) else str(exc))
            raise
        finally:
            self.jobs.leave(ticket)
        self.repo.set_generation_status(user, generation.id, "done", timings={"total": round(result.seconds, 3)})
        yield (str(self.repo.image_path(row)), gr.skip(),
               f"Job #{generation.id}: {spec.name} in {result.seconds:.2f} s. Saved to the gallery as image #{row.id}.")

    def _run(self, user: str, generation_id: int, job: Request, method: str, params: dict, progress,
             ticket: Ticket) -> Iterator[tuple]:
        cancel = ticket.cancel

        def work(emit) -> None:
            architecture = self.registry.spec(method).defaults.get("architecture")
            with self.registry.use(method) as network:
                taps = EfficientNetTaps(network) if architecture == "efficientnet-lite0" else VGGTaps(network)
                emit("result", StyleTransfer(taps)(job, progress=lambda *p: emit("step", p), cancel=cancel))

        ended = False
        try:
            started = yield from wait_turn(self.jobs, ticket, lambda line: (gr.skip(), gr.skip(), line))
            if not started:
                ended = True
                self.repo.set_generation_status(user, generation_id, "cancelled")
                yield gr.skip(), gr.skip(), "Cancelled while waiting: nothing was saved."
                return
            self.repo.set_generation_status(user, generation_id, "running")
            for event in run_in_worker(work, f"style-{generation_id}"):
                if event is None:
                    yield gr.skip(), gr.skip(), gr.skip()
                    continue
                kind, payload = event
                if kind == "step":
                    step, total, preview = payload
                    self.jobs.progress(ticket, step / total)
                    progress((step, total), desc=f"Painting, {eta_text(self.jobs, ticket)}", unit="steps")
                    yield gr.skip(), preview if preview is not None else gr.skip(), f"Step {step} of {total}…"
                elif kind == "result":
                    ended = True
                    meta = {**params, "kind": "style_transfer", "generator": f"NeuroCanvas {__version__}",
                            "style_loss": [round(payload.style_loss[0], 5), round(payload.style_loss[-1], 5)]}
                    with user_errors():
                        try:
                            row = self.repo.save_image(user, generation_id, payload.image, meta, model_id=method)
                        except Exception as exc:
                            self.repo.set_generation_status(user, generation_id, "failed", error=str(exc))
                            raise
                    self.repo.set_generation_status(user, generation_id, "done", timings={"total": round(payload.seconds, 3)})
                    drop = payload.style_loss[0] / max(payload.style_loss[-1], 1e-12)
                    yield (str(self.repo.image_path(row)), gr.skip(),
                           f"Job #{generation_id}: done in {payload.seconds:.1f} s; style loss fell {drop:.0f}x. "
                           f"Saved to the gallery as image #{row.id}.")
                elif kind == "error" and isinstance(payload, Cancelled):
                    ended = True
                    self.repo.set_generation_status(user, generation_id, "cancelled")
                    yield gr.skip(), gr.skip(), "Stopped: nothing was saved."
                elif kind == "error":
                    ended = True
                    self.repo.set_generation_status(user, generation_id, "failed", error=str(payload))
                    with user_errors():
                        raise payload
        finally:
            self.jobs.leave(ticket)
            if not ended:
                cancel.set()
                self.repo.set_generation_status(user, generation_id, "cancelled")

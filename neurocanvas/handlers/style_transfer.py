"""Style transfer: a photo and up to three styles (presets or the user's own image) -> a job -> the gallery."""
from __future__ import annotations

import threading
from typing import Iterator

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
from neurocanvas.handlers.common import run_in_worker, user_errors, user_of
from neurocanvas.style_presets import label, load_presets, preset_image

NONE = "none"
QUICK = "efficientnet-lite0"


class StyleTransferHandler:
    def __init__(self, ctx: AppContext) -> None:
        self.registry = ctx.registry
        self.repo = ctx.repo
        self.settings = ctx.settings
        self.presets = load_presets()

    def preset_choices(self) -> list[tuple[str, str]]:
        return [("(none)", NONE)] + [(label(p), key) for key, p in self.presets.items()]

    def method_choices(self) -> list[tuple[str, str]]:
        names = {QUICK: "Quick (EfficientNet-lite0, no download)", "vgg19": "Classic (VGG19, pull once)"}
        return [(names.get(s.id, s.name), s.id) for s in self.registry.specs("style-features")]

    def restyle(self, content: str | None, preset_a: str, weight_a: float, preset_b: str, weight_b: float,
                own_style: str | None, own_weight: float, strength: float, size: float, steps: float,
                keep_colors: bool, method: str, request: gr.Request, progress=gr.Progress()) -> Iterator[tuple]:
        """Yields (result, preview, info) while optimising; the result is saved with its settings."""
        user = user_of(request)
        with user_errors():
            if not content:
                raise ValueError("Upload a photo to restyle.")
            photo = load_image(content, "photo")
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
            self.registry.get(method)  # missing or corrupt weights fail here, before any row is written
            params = {"styles": names, "weights": [w for _, w in styles], "strength": job.strength, "size": job.size,
                      "steps": job.steps, "keep_colors": job.keep_colors, "method": method}
            generation = self.repo.create_generation(user, "style_transfer", prompt=" + ".join(names), params=params,
                                                     model_ids=[method])
        yield from self._run(user, generation.id, job, method, params, progress)

    def _run(self, user: str, generation_id: int, job: Request, method: str, params: dict, progress) -> Iterator[tuple]:
        cancel = threading.Event()

        def work(emit) -> None:
            architecture = self.registry.spec(method).defaults.get("architecture")
            with self.registry.use(method) as network:
                taps = EfficientNetTaps(network) if architecture == "efficientnet-lite0" else VGGTaps(network)
                emit("result", StyleTransfer(taps)(job, progress=lambda *p: emit("step", p), cancel=cancel))

        self.repo.set_generation_status(user, generation_id, "running")
        ended = False
        try:
            for event in run_in_worker(work, f"style-{generation_id}"):
                if event is None:
                    yield gr.skip(), gr.skip(), gr.skip()
                    continue
                kind, payload = event
                if kind == "step":
                    step, total, preview = payload
                    progress((step, total), desc="Painting", unit="steps")
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
                           f"Job #{generation_id}: done in {payload.seconds:.1f} s; style loss fell {drop:.0f}x. Saved to the gallery.")
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
            if not ended:
                cancel.set()
                self.repo.set_generation_status(user, generation_id, "cancelled")

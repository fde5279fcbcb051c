"""Auto: plan models for a prompt (rules + the user's bandit), run them one after another, rank by CLIP.

Used by Text to image (model "Auto") and by Compare's "Generate to compare". Each run is its own job in
the generations table; the whole plan holds one place in the studio's queue.
"""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any, Iterator

import gradio as gr

from neurocanvas.context import AppContext
from neurocanvas.engines import model_selection
from neurocanvas.engines.fast_style import FastStyle
from neurocanvas.engines.fast_style import Request as FastRequest
from neurocanvas.engines.style_transfer import Cancelled as StyleCancelled
from neurocanvas.engines.style_transfer import EfficientNetTaps, StyleTransfer, load_image
from neurocanvas.engines.style_transfer import Request as StyleRequest
from neurocanvas.engines.text_to_image import MAX_SEED, Cancelled, TextToImage
from neurocanvas.handlers.common import eta_text, run_in_worker, user_errors, user_of, wait_turn
from neurocanvas.handlers.compare import CompareHandler
from neurocanvas.handlers.preferences import PreferencesHandler
from neurocanvas.handlers.prompt_lab import PromptLabHandler
from neurocanvas.handlers.text_to_image import TextToImageHandler, _integer
from neurocanvas.handlers.style_transfer import QUICK
from neurocanvas.job_queue import work_units
from neurocanvas.style_presets import label, load_presets, preset_image

RULES_FILE = Path(__file__).resolve().parents[2] / "presets" / "auto_rules.json"
RESTYLE_STEPS = 60  # the quick method's restyle of a render: a few seconds at 512 px


class AutoHandler:
    def __init__(self, ctx: AppContext, t2i: TextToImageHandler, prompt_lab: PromptLabHandler,
                 prefs: PreferencesHandler, compare: CompareHandler) -> None:
        self.registry, self.repo, self.jobs, self.settings = ctx.registry, ctx.repo, ctx.jobs, ctx.settings
        self.t2i, self.prompt_lab, self.prefs, self.compare = t2i, prompt_lab, prefs, compare
        self.rules = json.loads(RULES_FILE.read_text(encoding="utf-8"))
        self.style_names = {k: label(p) for k, p in load_presets().items()}
        t2i.auto = self

    def installed(self) -> list[str]:
        return [s.id for s in self.registry.specs("text-to-image") if self.registry.is_installed(s.id)]

    def make_plan(self, user: str, prompt: str, count: int, models: list[str] | None = None) -> model_selection.Plan:
        """The user's own pick of models wins; else the rules, with the bandit's favourite first."""
        if models:
            unknown = [m for m in models if m not in self.installed()]
            if unknown:
                raise ValueError(f"Not installed: {', '.join(unknown)}. Pull them in Profile → Models.")
            runs = [model_selection.Run(m, 0, None, "your choice") for m in models[:4]]
            return model_selection.Plan("chosen", runs, f"Your choice: {', '.join(models[:4])}.")
        analysis = self.prompt_lab.analyzer().analyze(prompt)
        installed = self.installed()
        _, models = model_selection.ordered_models(analysis.concepts, installed, self.rules)
        choice = self.prefs.choose(user, "model", models[:2])  # the bandit may swap the two leading models
        prefer = (choice.arm, f"chosen for you: {choice.reason}") if choice else None
        return model_selection.select(prompt, analysis.concepts, installed, self.rules, count, prefer, self.style_names)

    def plan(self, prompt: str, count: float, request: gr.Request) -> tuple[str, list[str]]:
        """The plan as text, and its models for the override box (light: no model runs)."""
        with user_errors():
            plan = self.make_plan(user_of(request), prompt or "", _integer(count, "count"))
            lines = [f"**Auto** ({plan.rule}): {plan.summary}"] + [
                f"{i}. {r.model_id}" + (f" + {self.style_names.get(r.restyle, r.restyle)}" if r.restyle else "")
                + (f", seed +{r.seed_offset}" if r.seed_offset else "") + f": {r.reason}"
                for i, r in enumerate(plan.runs, start=1)]
            return "\n".join(lines), list(dict.fromkeys(r.model_id for r in plan.runs))

    # running -----------------------------------------------------------------------------------
    def run(self, prompt: str, negative_prompt: str, width: Any, height: Any, seed: Any, count: Any,
            models: list[str] | None, request: gr.Request, progress) -> Iterator[tuple]:
        """Yields (gallery, preview, info, details, ids): info lines while it runs, then the ranked results."""
        user = user_of(request)
        with user_errors():
            seed = _integer(seed, "seed")
            seed = random.randint(0, MAX_SEED - 4) if seed == -1 else seed
            plan = self.make_plan(user, prompt or "", _integer(count, "count"), models)
            renders: dict[tuple[str, int], tuple] = {}  # one render per (model, seed): a restyle reuses the plain one
            for run in plan.runs:
                if (run.model_id, run.seed_offset) in renders:
                    continue
                d = self.registry.spec(run.model_id).defaults
                size = d.get("max_size", 1024)
                job, params, vae_id = self.t2i.prepare(
                    run.model_id, prompt, negative_prompt, d.get("num_inference_steps", 1), d.get("guidance_scale", 0.0),
                    min(_integer(width, "width"), size), min(_integer(height, "height"), size),
                    (seed + run.seed_offset) % (MAX_SEED + 1))
                params.update(auto_rule=plan.rule, auto_reason=run.reason)
                renders[(run.model_id, run.seed_offset)] = (run, job, params, vae_id)
            jobs = list(renders.values())
            for run, *_ in jobs:
                self.registry.preload(run.model_id)
            self.prefs.skip_unanswered(user)
            generations = [self.repo.create_generation(user, "text_to_image", job.prompt, job.negative_prompt, params,
                                                       [run.model_id] + ([vae_id] if vae_id else []))
                           for run, job, params, vae_id in jobs]
            units = sum(work_units(j.num_inference_steps, 1, j.width, j.height) for _, j, _, _ in jobs)
            ticket = self.jobs.join(generations[0].id, user, f"Auto ({len(plan.runs)} images): {prompt[:30]}",
                                    self.t2i.estimate(jobs[0][0].model_id, units))
        header = f"**Auto** ({plan.rule}): {plan.summary}"
        pending = {g.id for g in generations}
        finished: list = []  # image rows, in plan order

        def work(emit) -> None:
            rendered: dict[tuple[str, int], Any] = {}
            for run in plan.runs:
                key = (run.model_id, run.seed_offset)
                if key not in rendered:
                    index = list(renders).index(key)
                    _, job, params, vae_id = renders[key]
                    generation = generations[index]
                    self.repo.set_generation_status(user, generation.id, "running")
                    emit("running", index)
                    with self.registry.use(run.model_id) as pipe:
                        engine = TextToImage(pipe, self.registry.get(vae_id) if vae_id else None)
                        result = engine(job, progress=lambda i, step, total, preview, index=index:
                                        emit("step", (index, step, total, preview)), cancel=ticket.cancel)
                    rendered[key] = self.t2i.save_result(user, generation.id, params, run.model_id, result)[0]
                    emit("saved", generation.id)
                prompt_used = renders[key][1].prompt
                emit("image", self._restyle(user, rendered[key], run, prompt_used, ticket) if run.restyle else rendered[key])

        try:
            started = yield from wait_turn(self.jobs, ticket, lambda line: (gr.skip(), gr.skip(), line, gr.skip(), gr.skip()))
            if not started:
                yield gr.skip(), gr.skip(), "Cancelled while waiting: nothing was saved.", gr.skip(), gr.skip()
                return
            for event in run_in_worker(work, f"auto-{generations[0].id}"):
                if event is None:
                    yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
                    continue
                kind, payload = event
                if kind == "running":
                    index = payload
                    yield (gr.skip(), gr.skip(), f"{header}\n\nRun {index + 1} of {len(jobs)}: {jobs[index][0].model_id}…",
                           gr.skip(), gr.skip())
                elif kind == "step":
                    index, step, total, preview = payload
                    self.jobs.progress(ticket, (index + step / total) / len(jobs))
                    progress(((index * total) + step, len(jobs) * total),
                             desc=f"Run {index + 1}/{len(jobs)}, step {step}/{total}, {eta_text(self.jobs, ticket)}")
                    yield gr.skip(), preview, gr.skip(), gr.skip(), gr.skip()
                elif kind == "saved":
                    pending.discard(payload)
                elif kind == "image":
                    finished.append(payload)
                elif kind == "error" and isinstance(payload, (Cancelled, StyleCancelled)):
                    yield gr.skip(), gr.skip(), f"Stopped after {len(finished)} of {len(plan.runs)} images.", gr.skip(), gr.skip()
                    return
                elif kind == "error":
                    for generation_id in pending:
                        self.repo.set_generation_status(user, generation_id, "failed", error=str(payload))
                    pending.clear()
                    with user_errors():
                        raise payload
            with user_errors():
                rows, details, note = self.compare.rank(user, finished, [self.compare.describe(r) for r in finished])
            gallery = [(str(self.repo.image_path(r)), f"#{r.id} · {d.get('rank', i + 1)}. {d['model']}"
                        + (f" · CLIP {d['clip_score']:.3f}" if d["clip_score"] is not None else "")
                        + (f" · {', '.join(d['styles'])}" if d.get("styles") else "") + f" · seed {d['seed']}")
                       for i, (r, d) in enumerate(zip(rows, details))]
            lines = [header, note] + [f"{i}. #{d['id']} {d['model']}"
                                      + (f" (CLIP {d['clip_score']:.3f})" if d["clip_score"] is not None else "")
                                      for i, d in enumerate(details, start=1)]
            yield gallery, gr.skip(), "\n\n".join(lines), details, ", ".join(str(d["id"]) for d in details)
        finally:
            self.jobs.leave(ticket)
            for generation_id in pending:  # stopped or closed before these runs were saved
                ticket.cancel.set()
                self.repo.set_generation_status(user, generation_id, "cancelled")

    def _restyle(self, user: str, render, run: model_selection.Run, prompt: str, ticket) -> Any:
        """Restyle a render with the preset: a fast network trained for it if there is one, else the quick method."""
        photo = load_image(self.repo.image_path(render), "render")
        fast_id = f"fast-{run.restyle}"
        method = fast_id if fast_id in self.registry.catalog and self.registry.is_installed(fast_id) else QUICK
        params = {"styles": [run.restyle], "weights": [1.0], "strength": 1.0, "size": max(photo.size),
                  "steps": 1 if method == fast_id else RESTYLE_STEPS, "keep_colors": False, "method": method,
                  "source_image": render.id, "auto_reason": run.reason}
        generation = self.repo.create_generation(user, "style_transfer", prompt=run.restyle, params=params,
                                                 model_ids=[method])
        self.repo.set_generation_status(user, generation.id, "running")
        try:
            with self.registry.use(method) as network:
                if method == fast_id:
                    result = FastStyle(network)(FastRequest(content=photo, size=max(64, max(photo.size))))
                else:
                    painting = load_image(preset_image(run.restyle, self.settings.styles_dir, self.settings.models_dir))
                    result = StyleTransfer(EfficientNetTaps(network))(
                        StyleRequest(content=photo, styles=[(painting, 1.0)], size=max(64, max(photo.size)),
                                     steps=RESTYLE_STEPS), cancel=ticket.cancel)
            meta = {**params, "kind": "style_transfer", "prompt": prompt}  # CLIP ranks it against the render's words
            row = self.repo.save_image(user, generation.id, result.image, meta, model_id=render.model_id)
        except BaseException as exc:
            self.repo.set_generation_status(user, generation.id, "cancelled" if isinstance(exc, StyleCancelled) else "failed",
                                            error=str(exc))
            raise
        self.repo.set_generation_status(user, generation.id, "done", timings={"total": round(result.seconds, 3)})
        return row

    # the two tabs' shapes ------------------------------------------------------------------------
    def for_text_to_image(self, prompt, negative_prompt, width, height, seed, batch, request, progress) -> Iterator[tuple]:
        count = min(4, max(2, _integer(batch, "batch")))
        used = _integer(seed, "seed")
        for gallery, preview, info, _, _ in self.run(prompt, negative_prompt, width, height, seed, count, None,
                                                     request, progress):
            yield gallery, preview, info, used if used != -1 else gr.skip()

    def generate_to_compare(self, prompt: str, negative_prompt: str, models: list[str] | None, count: float,
                            request: gr.Request, progress=gr.Progress()) -> Iterator[tuple]:
        """Compare tab: run the plan (or the models picked), then show the ranked images side by side."""
        for gallery, _, info, details, ids in self.run(prompt, negative_prompt, 512, 512, -1, count, models or None,
                                                       request, progress):
            yield gallery, details, ids, info

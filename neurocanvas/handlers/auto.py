"""Auto: plan models for a prompt (rules + the user's bandit), run them one after another, rank by CLIP.

Used by Text to image (model "Auto") and by Compare's "Generate to compare". Each run is its own job in
the generations table; the whole plan holds one place in the studio's queue.
"""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any, Callable, Iterator

import gradio as gr

from neurocanvas.context import AppContext
from neurocanvas.engines import model_selection
from neurocanvas.engines.style_transfer import load_image
from neurocanvas.engines.text_to_image import MAX_SEED
from neurocanvas.handlers.common import ended_text, seed_text, user_errors, user_of, watch, whole_number
from neurocanvas.handlers.text_to_image import TextToImageHandler
from neurocanvas.handlers.style_transfer import INSTANT, QUICK
from neurocanvas.services.estimates import estimate_seconds, render_history, work_units
from neurocanvas.services.generate import prepare_request, render_inputs
from neurocanvas.services.jobs import NORMAL
from neurocanvas.services.ranking import Ranking
from neurocanvas.services.restyle import style_inputs
from neurocanvas.style_presets import label, load_presets, preset_image

RULES_FILE = Path(__file__).resolve().parents[2] / "presets" / "auto_rules.json"
RESTYLE_STEPS = 60  # the quick method's restyle of a render: a few seconds at 512 px


class AutoHandler:
    def __init__(self, ctx: AppContext, t2i: TextToImageHandler, analyzer: Callable[[], Any],
                 choose: Callable[..., Any]) -> None:
        """`analyzer` is the prompt lab's (loaded once), `choose` the user's bandit pick (personalisation);
        Text to image's model list offers Auto through this handler."""
        self.registry, self.repo, self.jobs, self.settings = ctx.registry, ctx.repo, ctx.jobs, ctx.settings
        self.analyzer, self.choose = analyzer, choose
        self.ranking = Ranking(ctx)
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
        analysis = self.analyzer().analyze(prompt)
        installed = self.installed()
        _, models = model_selection.ordered_models(analysis.concepts, installed, self.rules)
        choice = self.choose(user, "model", models[:2])  # the bandit may swap the two leading models
        prefer = (choice.arm, f"chosen for you: {choice.reason}") if choice else None
        return model_selection.select(prompt, analysis.concepts, installed, self.rules, count, prefer, self.style_names)

    def plan(self, prompt: str, count: float, request: gr.Request) -> tuple[str, list[str], list[list]]:
        """The plan as text, its models for the override box, and the table Generate runs (light: no model runs)."""
        with user_errors():
            plan = self.make_plan(user_of(request), prompt or "", whole_number(count, "count"))
            lines = [f"**Auto** ({plan.rule}): {plan.summary}"] + [
                f"{i}. {r.model_id}" + (f" + {self.style_names.get(r.restyle, r.restyle)}" if r.restyle else "")
                + (f", seed +{r.seed_offset}" if r.seed_offset else "") + f": {r.reason}"
                for i, r in enumerate(plan.runs, start=1)]
            lines.append("Generate runs the table below: edit a row, or clear it to let Auto plan again.")
            return ("\n".join(lines), list(dict.fromkeys(r.model_id for r in plan.runs)),
                    model_selection.plan_rows(plan, self.style_names))

    # running -----------------------------------------------------------------------------------
    def run(self, prompt: str, negative_prompt: str, width: Any, height: Any, seed: Any, count: Any,
            models: list[str] | None, request: gr.Request, progress, table: list[list] | None = None,
            steps: Any = 0) -> Iterator[tuple]:
        """Yields (gallery, preview, info, details, ids): info lines while it runs, then the ranked results.
        A plan table, when given, runs exactly as shown; steps 0 keeps each model's own default."""
        user = user_of(request)
        with user_errors():
            seed = whole_number(seed, "seed")
            seed = random.randint(0, MAX_SEED - 4) if seed == -1 else seed
            steps = whole_number(steps or 0, "steps")
            plan = (model_selection.plan_from_rows(table or [], self.installed(), self.style_names)
                    or self.make_plan(user, prompt or "", whole_number(count, "count"), models))
            renders: dict[tuple[str, int], tuple] = {}  # one render per (model, seed): a restyle reuses the plain one
            for run in plan.runs:
                if (run.model_id, run.seed_offset) in renders:
                    continue
                d = self.registry.spec(run.model_id).defaults
                size = d.get("max_size", 1024)
                job, params, vae_id = prepare_request(
                    self.registry, run.model_id, prompt, negative_prompt, steps or d.get("num_inference_steps", 1),
                    d.get("guidance_scale", 0.0),
                    min(whole_number(width, "width"), size), min(whole_number(height, "height"), size),
                    (seed + run.seed_offset) % (MAX_SEED + 1))
                params.update(auto_rule=plan.rule, auto_reason=run.reason)
                renders[(run.model_id, run.seed_offset)] = (run, job, params, vae_id)
            for run, *_ in renders.values():
                self.registry.preload(run.model_id)
            gids = {key: self.jobs.submit(
                        user, "text_to_image", params, fresh=index == 0, inputs=render_inputs(job, run.model_id, vae_id), prompt=job.prompt,
                        negative_prompt=job.negative_prompt, model_ids=[run.model_id] + ([vae_id] if vae_id else []),
                        priority=NORMAL, estimate_s=estimate_seconds(work_units(
                            job.num_inference_steps, 1, job.width, job.height), render_history(self.repo, run.model_id)))
                    for index, (key, (run, job, params, vae_id)) in enumerate(renders.items())}
        header = f"**Auto** ({plan.rule}): {plan.summary}"
        submitted = list(gids.values())
        finished: list = []  # image rows, in plan order
        try:
            for number, run in enumerate(plan.runs, start=1):
                def shape(line, preview, number=number, run=run):
                    return (gr.skip(), preview if preview is not None else gr.skip(),
                            f"{header}\n\nRun {number} of {len(plan.runs)} ({run.model_id}): {line}", gr.skip(), gr.skip())

                row = yield from self._one(user, gids[(run.model_id, run.seed_offset)], progress, shape, finished, plan)
                if row is None:
                    return
                if run.restyle:
                    with user_errors():
                        gid = self._submit_restyle(user, row, run, renders[(run.model_id, run.seed_offset)][1].prompt)
                    submitted.append(gid)
                    row = yield from self._one(user, gid, progress, shape, finished, plan)
                    if row is None:
                        return
                finished.append(row)
            with user_errors():
                rows, details, note = self.ranking.rank(user, finished, [self.ranking.describe(r) for r in finished])
            gallery = [(str(self.repo.image_path(r)), f"#{r.id} · {d.get('rank', i + 1)}. {d['model']}"
                        + (f" · CLIP {d['clip_score']:.3f}" if d["clip_score"] is not None else "")
                        + (f" · {', '.join(d['styles'])}" if d.get("styles") else "") + seed_text(d["seed"]))
                       for i, (r, d) in enumerate(zip(rows, details))]
            lines = [header, note] + [f"{i}. #{d['id']} {d['model']}"
                                      + (f" (CLIP {d['clip_score']:.3f})" if d["clip_score"] is not None else "")
                                      for i, d in enumerate(details, start=1)]
            yield gallery, gr.skip(), "\n\n".join(lines), details, ", ".join(str(d["id"]) for d in details)
        finally:
            for generation_id in submitted:  # stopped, failed or closed: the plan's other jobs go too
                self.jobs.cancel(generation_id)

    def _one(self, user: str, generation_id: int, progress, shape, finished: list, plan) -> Iterator[tuple]:
        """Follow one job of the plan; its image row, or None once the plan ended (a Stop)."""
        update = yield from watch(self.jobs, generation_id, progress, shape)
        with user_errors():
            if update.status == "done":
                return self.repo.generation_images(user, generation_id)[0]
            line = ended_text(update)
        yield (gr.skip(), gr.skip(), f"{line.split(':')[0]} after {len(finished)} of {len(plan.runs)} images.",
               gr.skip(), gr.skip())
        return None

    def _submit_restyle(self, user: str, render, run: model_selection.Run, prompt: str) -> int:
        """Restyle a render with the preset: the instant network where installed, else a fast network trained for
        the preset, else the quick method."""
        photo = load_image(self.repo.image_path(render), "render")
        fast_id = f"fast-{run.restyle}"
        if INSTANT in self.registry.catalog and self.registry.is_installed(INSTANT):
            method, steps = INSTANT, 1
        elif fast_id in self.registry.catalog and self.registry.is_installed(fast_id):
            method, steps = fast_id, 1
        else:
            method, steps = QUICK, RESTYLE_STEPS
        size = max(64, max(photo.size))
        params = {"styles": [run.restyle], "weights": [1.0], "strength": 1.0, "size": max(photo.size),
                  "steps": steps, "keep_colors": False, "method": method,
                  "source_image": render.id, "auto_reason": run.reason}
        request, styles = {"size": size}, []
        if method == QUICK:
            request["steps"] = steps
        if method != fast_id:
            styles = [(load_image(preset_image(run.restyle, self.settings.styles_dir, self.settings.models_dir)), 1.0)]
        inputs = style_inputs(photo, styles, method, request, model_id=render.model_id,
                              meta={"prompt": prompt})  # CLIP ranks it against the render's words
        return self.jobs.submit(user, "style_transfer", params, fresh=False, inputs=inputs, prompt=run.restyle,
                                model_ids=[method],
                                priority=NORMAL, estimate_s=steps * 0.1 if method == QUICK else 1.0)

    # the two tabs' shapes ------------------------------------------------------------------------
    def for_text_to_image(self, prompt, negative_prompt, width, height, seed, batch, request, progress) -> Iterator[tuple]:
        count = min(4, max(2, whole_number(batch, "batch")))
        used = whole_number(seed, "seed")
        used = random.randint(0, MAX_SEED - 4) if used == -1 else used  # drawn here, so "Seed used" shows it
        for gallery, preview, info, _, _ in self.run(prompt, negative_prompt, width, height, used, count, None,
                                                     request, progress):
            yield gallery, preview, info, used

    def generate_to_compare(self, prompt: str, negative_prompt: str, models: list[str] | None, count: float,
                            plan: Any = None, size: float = 512, steps: float = 0, request: gr.Request = None,
                            progress=gr.Progress()) -> Iterator[tuple]:
        """Compare tab: run the plan table as shown (else the models picked, else Auto's plan) at the size and steps
        asked, then show the ranked images side by side."""
        with user_errors():
            size = whole_number(size, "size")
            if not 128 <= size <= 1024:
                raise ValueError("The size must be between 128 and 1024 pixels.")
        for gallery, _, info, details, ids in self.run(prompt, negative_prompt, size, size, -1, count, models or None,
                                                       request, progress, _table_rows(plan), steps):
            yield gallery, details, ids, info


def _table_rows(plan: Any) -> list[list]:
    """A Dataframe's value as rows, whether the page sent a table or the API a list of rows."""
    if plan is None:
        return []
    if isinstance(plan, dict):
        return plan.get("data") or []
    if hasattr(plan, "values") and hasattr(plan, "columns"):  # a pandas frame
        return plan.values.tolist()
    return [list(row) for row in plan]

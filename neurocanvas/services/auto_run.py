"""Auto's jobs: plan models for a prompt (rules + the user's bandit), submit one render per (model, seed), restyle a
render with a preset, rank the images by CLIP. Text to image's "Auto" and Compare's "Generate to compare" both run
through here; their handlers only follow the jobs and shape what the page shows."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Callable

from neurocanvas.context import AppContext
from neurocanvas.engines import model_selection
from neurocanvas.engines.style_transfer import load_image
from neurocanvas.engines.text_to_image import MAX_SEED
from neurocanvas.services.estimates import estimate_seconds, render_history, work_units
from neurocanvas.services.generate import prepare_request, render_inputs
from neurocanvas.services.jobs import NORMAL
from neurocanvas.services.ranking import Ranking
from neurocanvas.services.restyle import INSTANT, QUICK, style_inputs
from neurocanvas.style_presets import label, load_presets, preset_image

RULES_FILE = Path(__file__).resolve().parents[2] / "presets" / "auto_rules.json"
RESTYLE_STEPS = 60  # the quick method's restyle of a render: a few seconds at 512 px


@dataclasses.dataclass
class Started:
    """A plan whose renders are queued: `jobs` is keyed by (model, seed offset), one render each; `prompt` is the
    checked prompt they all render (a restyle is ranked against it)."""
    plan: model_selection.Plan
    jobs: dict[tuple[str, int], int]
    prompt: str

    def job_of(self, run: model_selection.Run) -> int:
        return self.jobs[(run.model_id, run.seed_offset)]


class AutoRuns:
    def __init__(self, ctx: AppContext, analyzer: Callable[[], Any], choose: Callable[..., Any]) -> None:
        """`analyzer` is the prompt lab's (loaded once), `choose` the user's bandit pick (personalisation)."""
        self.registry, self.repo, self.jobs, self.settings = ctx.registry, ctx.repo, ctx.jobs, ctx.settings
        self.analyzer, self.choose = analyzer, choose
        self.ranking = Ranking(ctx)
        self.rules = json.loads(RULES_FILE.read_text(encoding="utf-8"))
        self.style_names = {k: label(p) for k, p in load_presets().items()}

    def installed(self) -> list[str]:
        return [s.id for s in self.registry.specs("text-to-image") if self.registry.is_installed(s.id)]

    def make_plan(self, user: str, prompt: str, count: int, models: list[str] | None = None) -> model_selection.Plan:
        """The user's own pick of models wins; else the rules, with the bandit's favourite first."""
        installed = self.installed()
        if models:
            unknown = [m for m in models if m not in installed]
            if unknown:
                raise ValueError(f"Not installed: {', '.join(unknown)}. Pull them in Profile → Models.")
            runs = [model_selection.Run(m, 0, None, "your choice") for m in models[:4]]
            return model_selection.Plan("chosen", runs, f"Your choice: {', '.join(models[:4])}.")
        analysis = self.analyzer().analyze(prompt)
        _, models = model_selection.ordered_models(analysis.concepts, installed, self.rules)
        choice = self.choose(user, "model", models[:2])  # the bandit may swap the two leading models
        prefer = (choice.arm, f"chosen for you: {choice.reason}") if choice else None
        return model_selection.select(prompt, analysis.concepts, installed, self.rules, count, prefer, self.style_names)

    def start(self, user: str, plan: model_selection.Plan, prompt: str, negative_prompt: str, width: int, height: int,
              seed: int, steps: int) -> Started:
        """Check every render first, then queue them all (nothing is queued when one is refused); steps 0 keeps each
        model's own default."""
        renders: dict[tuple[str, int], tuple] = {}  # one render per (model, seed): a restyle reuses the plain one
        for run in plan.runs:
            if (run.model_id, run.seed_offset) in renders:
                continue
            d = self.registry.spec(run.model_id).defaults
            size = d.get("max_size", 1024)
            job, params, vae_id = prepare_request(
                self.registry, run.model_id, prompt, negative_prompt, steps or d.get("num_inference_steps", 1),
                d.get("guidance_scale", 0.0), min(width, size), min(height, size), (seed + run.seed_offset) % (MAX_SEED + 1))
            params.update(auto_rule=plan.rule, auto_reason=run.reason)
            renders[(run.model_id, run.seed_offset)] = (run, job, params, vae_id)
        for run, *_ in renders.values():
            self.registry.preload(run.model_id)
        jobs = {key: self.jobs.submit(
                    user, "text_to_image", params, fresh=index == 0, inputs=render_inputs(job, run.model_id, vae_id),
                    prompt=job.prompt, negative_prompt=job.negative_prompt,
                    model_ids=[run.model_id] + ([vae_id] if vae_id else []), priority=NORMAL,
                    estimate_s=estimate_seconds(work_units(job.num_inference_steps, 1, job.width, job.height),
                                                render_history(self.repo, run.model_id)))
                for index, (key, (run, job, params, vae_id)) in enumerate(renders.items())}
        return Started(plan, jobs, next(iter(renders.values()))[1].prompt)

    def restyle(self, user: str, render: Any, run: model_selection.Run, prompt: str) -> int:
        """Restyle a render with the run's preset: the instant network where installed, else a fast network trained
        for the preset, else the quick method. Returns the job."""
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
                                model_ids=[method], priority=NORMAL,
                                estimate_s=steps * 0.1 if method == QUICK else 1.0)

    def rank(self, user: str, rows: list) -> tuple[list, list[dict], str]:
        """The finished images, best first by CLIP where it is installed, with their details and a note."""
        return self.ranking.rank(user, rows, [self.ranking.describe(r) for r in rows])

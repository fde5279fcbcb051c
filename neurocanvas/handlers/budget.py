"""'Ready in N seconds' in Text to image: a budget fills the form with the plan that fits it; Calibrate times the
installed models once, as a job."""
from __future__ import annotations

from typing import Any, Iterator

import gradio as gr

from neurocanvas.context import AppContext
from neurocanvas.engines.time_budget import BUDGETS, Plan
from neurocanvas.handlers.common import ended_text, user_errors, user_of, watch
from neurocanvas.services.budget import BudgetPlanner


def _budget(value: Any) -> float | None:
    """A label ("5 s", "best quality") or a number of seconds; None is best quality."""
    if value in BUDGETS:
        return BUDGETS[value]
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"Choose a budget ({', '.join(BUDGETS)}) or give a number of seconds, not {value!r}.") from None


class BudgetHandler:
    def __init__(self, ctx: AppContext) -> None:
        self.planner = BudgetPlanner(ctx.registry, ctx.repo, ctx.jobs.rows, ctx.jobs)

    def plan(self, budget: Any) -> Plan:
        with user_errors():
            return self.planner.plan(_budget(budget))

    def fill_form(self, budget: Any, request: gr.Request, progress=gr.Progress()) -> Iterator[tuple]:
        """(model, steps, width, height, tiny VAE, the plan's line): the form set to the plan, shown before it runs.
        On first use (no model measured yet) the calibration runs first, its progress in the plan's line."""
        if budget is None:
            yield (gr.skip(),) * 5 + ("",)
            return
        with user_errors():
            options = self.planner.options()
            first_use = bool(options) and not self.planner.speeds(options)
        if first_use:
            for line in self.calibrate(request, progress):
                yield (gr.skip(),) * 5 + (f"First use: timing this machine. {line}",)
        p = self.plan(budget)
        yield p.model_id, p.steps, p.width, p.height, gr.update(value=p.tiny_vae), p.describe() + " Press Generate."

    def api_plan(self, budget: str) -> dict:
        """The plan for a budget ("2 s", "5 s", "15 s", "60 s", "best quality", or seconds): model, steps, size,
        tiny VAE and the predicted seconds on this machine, once the model is loaded."""
        p = self.plan(budget)
        return {"model_id": p.model_id, "steps": p.steps, "width": p.width, "height": p.height,
                "tiny_vae": p.tiny_vae, "predicted_s": p.predicted_s, "budget_s": p.budget_s, "plan": p.describe()}

    def calibrate(self, request: gr.Request, progress=gr.Progress()) -> Iterator[str]:
        """Time the installed models (the ones not measured yet, else all) at half and full size; yields its progress."""
        with user_errors():
            generation_id = self.planner.calibrate(user_of(request))
        update = yield from watch(self.planner.jobs, generation_id, progress, lambda line, _: line)
        with user_errors():
            if update.status != "done":
                yield ended_text(update)
                return
            yield f"Calibrated ({len(self.planner.speeds(self.planner.options()))} model(s) timed): pick a budget."

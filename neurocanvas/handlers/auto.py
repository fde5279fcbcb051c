"""Compare's Auto: plan models for a prompt and run the plan (services/auto_run.py owns the jobs)."""
from __future__ import annotations

import random
from typing import Any, Callable, Iterator

import gradio as gr

from neurocanvas.context import AppContext
from neurocanvas.engines import model_selection
from neurocanvas.engines.text_to_image import MAX_SEED
from neurocanvas.handlers.auto_follow import follow
from neurocanvas.handlers.common import user_errors, user_of, whole_number
from neurocanvas.services.auto_run import AutoRuns


class AutoHandler:
    def __init__(self, ctx: AppContext, analyzer: Callable[[], Any], choose: Callable[..., Any]) -> None:
        """`analyzer` is the prompt lab's (loaded once), `choose` the user's bandit pick (personalisation)."""
        self.runs = AutoRuns(ctx, analyzer, choose)

    def installed(self) -> list[str]:
        return self.runs.installed()

    def plan(self, prompt: str, count: float, request: gr.Request) -> tuple[str, list[str], list[list]]:
        """The plan as text, its models for the override box, and the table Generate runs (light: no model runs)."""
        with user_errors():
            plan = self.runs.make_plan(user_of(request), prompt or "", whole_number(count, "count"))
            names = self.runs.style_names
            lines = [f"**Auto** ({plan.rule}): {plan.summary}"] + [
                f"{i}. {r.model_id}" + (f" + {names.get(r.restyle, r.restyle)}" if r.restyle else "")
                + (f", seed +{r.seed_offset}" if r.seed_offset else "") + f": {r.reason}"
                for i, r in enumerate(plan.runs, start=1)]
            lines.append("Generate runs the table below: edit a row, or clear it to let Auto plan again.")
            return ("\n".join(lines), list(dict.fromkeys(r.model_id for r in plan.runs)),
                    model_selection.plan_rows(plan, names))

    def generate_to_compare(self, prompt: str, negative_prompt: str, models: list[str] | None, count: float,
                            plan: Any = None, size: float = 512, steps: float = 0, request: gr.Request = None,
                            progress=gr.Progress()) -> Iterator[tuple]:
        """Compare tab: run the plan table as shown (else the models picked, else Auto's plan) at the size and steps
        asked, then show the ranked images side by side."""
        with user_errors():
            size = whole_number(size, "size")
            if not 128 <= size <= 1024:
                raise ValueError("The size must be between 128 and 1024 pixels.")
            user, steps = user_of(request), whole_number(steps or 0, "steps")
            table = model_selection.plan_from_rows(_table_rows(plan), self.runs.installed(), self.runs.style_names)
            chosen = table or self.runs.make_plan(user, prompt or "", whole_number(count, "count"), models or None)
            started = self.runs.start(user, chosen, prompt, negative_prompt, size, size,
                                      random.randint(0, MAX_SEED - 4), steps)
        for gallery, _, info, details, ids in follow(self.runs, user, started, progress):
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

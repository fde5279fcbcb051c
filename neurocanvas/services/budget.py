"""'Ready in N seconds' for the studio: the installed models, this machine's measured speeds (its finished
renders and calibrations, all users), and the planner's pick; calibration runs as a job like any render."""
from __future__ import annotations

from typing import Any

from neurocanvas.engines import time_budget
from neurocanvas.engines.time_budget import Option, Plan, Speed

HISTORY = 20  # latest runs per model that its speed is the median of


class BudgetPlanner:
    def __init__(self, registry: Any, repo: Any, jobs_repo: Any, jobs: Any) -> None:
        self.registry, self.repo, self.jobs_repo, self.jobs = registry, repo, jobs_repo, jobs

    def options(self) -> list[Option]:
        found = []
        for spec in self.registry.specs("text-to-image"):
            if not self.registry.is_installed(spec.id):
                continue
            d, vae = spec.defaults, spec.defaults.get("vae")
            found.append(Option(spec.id, spec.name, d.get("min_steps", 1), d.get("max_steps", 50),
                                d.get("num_inference_steps", 1), min(512, d.get("width", 512), d.get("max_size", 512)),
                                d.get("quality_rank", 0), bool(vae and self.registry.is_installed(vae))))
        return found

    def speeds(self, options: list[Option]) -> dict[str, Speed]:
        speeds = {}
        for option in options:
            history = (self.repo.recent_timings("text_to_image", option.model_id, limit=HISTORY)
                       + self.jobs_repo.calibrations(option.model_id))
            speed = time_budget.speed_from(history, option.tiny_vae)
            if speed is not None:
                speeds[option.model_id] = speed
        return speeds

    def plan(self, budget_s: float | None) -> Plan:
        options = self.options()
        return time_budget.plan(budget_s, options, self.speeds(options))

    def calibrate(self, user: str) -> int:
        """A job that times each installed model that has no measured speed yet (all of them when all have one)."""
        options = self.options()
        if not options:
            raise time_budget.NoPlan("No text-to-image model is installed: pull one (Profile > Models) first.")
        measured = self.speeds(options)
        todo = [o for o in options if o.model_id not in measured] or options
        models = [{"model_id": o.model_id, "steps": o.min_steps, "native": o.native_size,
                   "guidance": self.registry.spec(o.model_id).defaults.get("guidance_scale", 0.0),
                   "vae_id": self.registry.spec(o.model_id).defaults.get("vae") if o.tiny_vae else None} for o in todo]
        return self.jobs.submit(user, "calibrate", {"label": "calibration: timing " + ", ".join(o.name for o in todo)},
                                inputs={"models": models}, model_ids=[o.model_id for o in todo], estimate_s=10 * len(todo))

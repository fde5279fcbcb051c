"""The Jobs panel: the user's running and waiting jobs with position and ETA, and Cancel for the picked one."""
from __future__ import annotations

import gradio as gr

from neurocanvas.context import AppContext
from neurocanvas.handlers.common import row_id, user_errors, user_of

COLUMNS = ["job", "what", "status", "position", "ETA (s)"]


class JobsHandler:
    def __init__(self, ctx: AppContext) -> None:
        self.jobs = ctx.jobs
        self.repo = ctx.repo

    def list(self, request: gr.Request) -> list[list]:
        """Position 0 is running; ETAs come from this machine's measured times for the same model."""
        with user_errors():
            rows = self.jobs.snapshot(self.repo.user(user_of(request)).id)
        return [[r["job"], r["what"], "cancelling" if r["cancelling"] else r["status"], r["position"], r["eta_s"]]
                for r in rows]

    def cancel(self, job_id: float, request: gr.Request) -> tuple[str, list[list]]:
        user = user_of(request)
        with user_errors():
            if not job_id:
                raise ValueError("Pick a job first: click its row in the table.")
            generation = self.repo.generation(user, row_id(job_id, "a job"))  # NotFound for another user's job
            if not self.jobs.cancel(generation.id):
                raise ValueError(f"Job #{generation.id} is not waiting or running (it is {generation.status}).")
            return f"Cancelling job #{generation.id}: it stops before its next step and saves nothing.", self.list(request)

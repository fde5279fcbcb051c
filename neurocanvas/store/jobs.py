"""The job lifecycle's rows: every status change of a generation goes through here, each one conditional.

A change names the statuses it may leave from, so two processes (or a late worker) can never move a job
twice: the second update finds no row to change and reports False.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Iterable

from neurocanvas.store.repo import MAX_PROMPT_CHARS, Repo, _guard
from neurocanvas.store.tables import Generation, Image, now

ACTIVE = ("queued", "running")
TERMINAL = ("done", "failed", "cancelled", "interrupted")


def _event(row_history: str, event: str, **data) -> str:
    history = json.loads(row_history or "[]")
    history.append({"at": now().isoformat(timespec="seconds"), "event": event, **data})
    return json.dumps(history[-50:])


class JobsRepo:
    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.db = repo.db

    @_guard
    def create(self, user: str | None, kind: str, prompt: str, negative_prompt: str, params: dict,
               model_ids: list[str], request_key: str, priority: int, estimate_s: float) -> Generation:
        return Generation.create(user=self.repo.user(user), kind=kind, prompt=prompt[:MAX_PROMPT_CHARS],
                                 negative_prompt=negative_prompt[:MAX_PROMPT_CHARS],
                                 params=json.dumps(params, sort_keys=True), model_ids=json.dumps(model_ids),
                                 request_key=request_key, priority=priority, estimate_s=estimate_s, attempt=1,
                                 history=_event("[]", "submitted", priority=priority))

    @_guard
    def get(self, generation_id: int) -> Generation | None:
        return Generation.get_or_none(Generation.id == generation_id)

    @_guard
    def set_task(self, generation_id: int, task_id: str) -> None:
        Generation.update(task_id=task_id).where(Generation.id == generation_id).execute()

    @_guard
    def active(self) -> list[Generation]:
        return list(Generation.select().where(Generation.status.in_(ACTIVE)).order_by(Generation.id))

    @_guard
    def active_counts(self, user: str | None) -> tuple[int, int]:
        """(jobs waiting or running, those of them that are this user's): what a new submit is admitted by."""
        active = Generation.select().where(Generation.status.in_(ACTIVE))
        return active.count(), active.where(Generation.user == self.repo.user(user)).count()

    @_guard
    def move(self, generation_id: int, to: str, leaving: Iterable[str] = ACTIVE, event: str = "",
             error: str = "", timings: dict | None = None, started: float | None = None, **data) -> bool:
        """Change the status if it is one of `leaving`; returns whether this call made the change."""
        with self.db.atomic():
            row = Generation.get_or_none((Generation.id == generation_id) & Generation.status.in_(list(leaving)))
            if row is None:
                return False
            row.status = to
            if error:
                row.error = error[:2000]
            if timings is not None:
                row.timings = json.dumps(timings)
            if to == "running":
                row.started_at = dt.datetime.fromtimestamp(started) if started else now()
            if to in TERMINAL:
                row.finished_at = now()
            row.history = _event(row.history, event or to, **data)
            row.save()
            return True

    @_guard
    def retry(self, generation_id: int, attempt: int, reason: str) -> bool:
        """Back to the queue for another attempt (its worker died); only from the attempt that died."""
        with self.db.atomic():
            row = Generation.get_or_none((Generation.id == generation_id) & Generation.status.in_(list(ACTIVE))
                                         & (Generation.attempt == attempt - 1))
            if row is None:
                return False
            row.status, row.attempt, row.started_at = "queued", attempt, None
            row.history = _event(row.history, "retried", attempt=attempt, reason=reason)
            row.save()
            return True

    @_guard
    def live_parent(self, row: Generation) -> int | None:
        """The image an image-to-image job started from, while it is still in its user's gallery (a parent
        deleted while the job ran leaves the new images standing alone)."""
        parent_id = json.loads(row.params or "{}").get("parent_id")
        if not isinstance(parent_id, int):
            return None
        found = Image.get_or_none((Image.id == parent_id) & (Image.user == row.user_id) & Image.deleted_at.is_null())
        return found.id if found is not None else None

    @_guard
    def calibrations(self, model_id: str, limit: int = 5) -> list[tuple[dict, dict]]:
        """(params, timings) of this model's latest calibration renders, in the shape recent_timings gives."""
        rows = (Generation.select(Generation.timings)
                .where((Generation.kind == "calibrate") & (Generation.status == "done")
                       & Generation.model_ids.contains(json.dumps(model_id)))
                .order_by(Generation.id.desc()).limit(limit))
        found = [json.loads(r.timings or "{}").get("calibration", {}).get(model_id) or [] for r in rows]
        return [(run["params"], run["timings"]) for runs in found for run in runs]

"""A user's statistics and job history: the Profile's Stats view, read in a few aggregate queries."""
from __future__ import annotations

import json

import peewee as pw

from neurocanvas.store.repo import Repo, _guard
from neurocanvas.store.tables import GENERATION_STATUSES, Feedback, Generation, Image, Prompt, User


class StatsRepo:
    def __init__(self, repo: Repo) -> None:
        self.repo = repo

    @_guard
    def profile(self, user: str | None) -> dict:
        owner = self.repo.user(user)
        by_status = dict(Generation.select(Generation.status, pw.fn.COUNT(Generation.id))
                         .where(Generation.user == owner).group_by(Generation.status).tuples())
        by_model = (Image.select(Image.model_id, pw.fn.COUNT(Image.id))
                    .where((Image.user == owner) & Image.deleted_at.is_null() & (Image.model_id != ""))
                    .group_by(Image.model_id).order_by(pw.fn.COUNT(Image.id).desc()).tuples())
        return {
            "user": owner.name,
            "prompts": Prompt.select().where(Prompt.user == owner).count(),
            "favourite_prompts": Prompt.select().where((Prompt.user == owner) & (Prompt.favourite == True)).count(),  # noqa: E712
            "images": Image.select().where((Image.user == owner) & Image.deleted_at.is_null()).count(),
            "feedback": Feedback.select().where(Feedback.user == owner).count(),
            "jobs": {status: by_status.get(status, 0) for status in GENERATION_STATUSES},
            "member_since": owner.created_at.strftime("%Y-%m-%d"),
            "images_by_model": [{"model": m, "images": n} for m, n in by_model],
            **self._usage(owner),
        }

    def _usage(self, owner: User) -> dict:
        """Most used model and styles, and the average time of a finished job."""
        models = (Image.select(Image.model_id, pw.fn.COUNT(Image.id)).where((Image.user == owner) & (Image.model_id != ""))
                  .group_by(Image.model_id).order_by(pw.fn.COUNT(Image.id).desc()).limit(1).tuples())
        styles: dict[str, int] = {}
        seconds = []
        for params, timings, kind in (Generation.select(Generation.params, Generation.timings, Generation.kind)
                                      .where((Generation.user == owner) & (Generation.status == "done")).tuples()):
            if kind == "style_transfer":
                for style in json.loads(params).get("styles", []):
                    styles[style] = styles.get(style, 0) + 1
            total = json.loads(timings).get("total")
            if total:
                seconds.append(total)
        return {"favourite_model": models[0][0] if models else None,
                "most_used_styles": [s for s, _ in sorted(styles.items(), key=lambda kv: -kv[1])[:3]],
                "average_job_seconds": round(sum(seconds) / len(seconds), 2) if seconds else None}

    @_guard
    def history(self, user: str | None, limit: int = 50) -> list[tuple]:
        """The user's latest jobs: (id, kind, status, models, prompt, seconds, created)."""
        rows = (Generation.select().where(Generation.user == self.repo.user(user))
                .order_by(Generation.id.desc()).limit(limit))
        return [(r.id, r.kind, r.status, ", ".join(json.loads(r.model_ids)), r.prompt[:80],
                 json.loads(r.timings).get("total"), r.created_at.strftime("%Y-%m-%d %H:%M")) for r in rows]

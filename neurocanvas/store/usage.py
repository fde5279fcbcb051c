"""Studio-wide figures for the owner's admin tab: each user's usage, the jobs, their errors and timings, the disk."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import statistics
from pathlib import Path

import peewee as pw

from neurocanvas.store.jobs import ACTIVE
from neurocanvas.store.repo import Repo, _guard
from neurocanvas.store.tables import GENERATION_STATUSES, Feedback, Generation, Image, Prompt, User, now

RECENT_JOBS = 500  # timings come from the latest finished jobs of each kind


def folder_bytes(folder: Path, skip: tuple[Path, ...] = ()) -> int:
    """Bytes of the files under a folder (0 when it is missing), leaving out the `skip` subfolders; files vanishing
    meanwhile are skipped."""
    total = 0
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if Path(root, d) not in skip]
        for name in names:
            try:
                total += os.stat(os.path.join(root, name), follow_symlinks=False).st_size
            except OSError:
                pass
    return total


def _per_user(model, value=None, *where) -> dict:
    """{user id: COUNT (or `value`)} of `model`'s rows matching `where`, one grouped query."""
    query = model.select(model.user, value if value is not None else pw.fn.COUNT(model.id))
    return dict((query.where(*where) if where else query).group_by(model.user).tuples())


def _mb(n: int) -> float:
    return round(n / 2**20, 1)


class UsageRepo:
    def __init__(self, repo: Repo) -> None:
        self.repo = repo

    @_guard
    def users(self) -> list[dict]:
        """Every user with their images, prompts, feedback, jobs and disk use, most active first."""
        live = Image.deleted_at.is_null()
        images = _per_user(Image, None, live)
        shared = _per_user(Image, None, live & Image.share_key.is_null(False))
        prompts, feedback, jobs = _per_user(Prompt), _per_user(Feedback), _per_user(Generation)
        active = _per_user(Generation, None, Generation.status.in_(ACTIVE))
        failed = _per_user(Generation, None, Generation.status == "failed")
        last = _per_user(Generation, pw.fn.MAX(Generation.created_at))
        rows = []
        for user in User.select().order_by(User.id):
            seen = last.get(user.id)
            rows.append({"user": user.name, "images": images.get(user.id, 0), "shared": shared.get(user.id, 0),
                         "prompts": prompts.get(user.id, 0), "feedback": feedback.get(user.id, 0),
                         "jobs": jobs.get(user.id, 0), "active": active.get(user.id, 0),
                         "failed": failed.get(user.id, 0),
                         "disk_mb": _mb(folder_bytes(self.repo.images_dir / f"u{user.id}")),
                         "last_job": str(seen)[:16] if seen else "",
                         "member_since": user.created_at.strftime("%Y-%m-%d")})
        return sorted(rows, key=lambda r: (-r["jobs"], r["user"]))

    @_guard
    def jobs(self, hours: int = 24) -> dict:
        """Jobs by status (all time and lately), the latest errors, and median run and wait seconds per kind."""
        since = now() - dt.timedelta(hours=hours)
        everything = dict(Generation.select(Generation.status, pw.fn.COUNT(Generation.id))
                          .group_by(Generation.status).tuples())
        lately = dict(Generation.select(Generation.status, pw.fn.COUNT(Generation.id))
                      .where(Generation.created_at >= since).group_by(Generation.status).tuples())
        errors = [{"job": r.id, "kind": r.kind, "status": r.status, "error": r.error[:200],
                   "at": str(r.finished_at or r.created_at)[:16]}
                  for r in Generation.select(Generation.id, Generation.kind, Generation.status, Generation.error,
                                             Generation.finished_at, Generation.created_at)
                  .where(Generation.status.in_(("failed", "interrupted"))).order_by(Generation.id.desc()).limit(10)]
        timings: dict[str, dict] = {}
        for kind, raw, created, started in (Generation.select(Generation.kind, Generation.timings, Generation.created_at,
                                                              Generation.started_at)
                                            .where(Generation.status == "done").order_by(Generation.id.desc())
                                            .limit(RECENT_JOBS).tuples()):
            entry = timings.setdefault(kind, {"run": [], "wait": []})
            total = json.loads(raw or "{}").get("total")
            if isinstance(total, (int, float)):
                entry["run"].append(total)
            if started is not None:
                entry["wait"].append((started - created).total_seconds())
        return {"all_time": {s: everything.get(s, 0) for s in GENERATION_STATUSES},
                f"last_{hours}_hours": {s: lately.get(s, 0) for s in GENERATION_STATUSES},
                "latest_errors": errors,
                "median_seconds": {kind: {"run": _median(t["run"]), "wait": _median(t["wait"]), "jobs": len(t["run"])}
                                   for kind, t in sorted(timings.items())}}

    def disk(self, data_dir: Path, tmp_dir: Path) -> dict:
        """Megabytes of images, temporary files and the whole data folder, and what the disk has left."""
        free = shutil.disk_usage(data_dir)
        images, temp = folder_bytes(self.repo.images_dir), folder_bytes(tmp_dir)  # each folder walked once
        rest = folder_bytes(data_dir, skip=(Path(self.repo.images_dir), Path(tmp_dir)))
        return {"images_mb": _mb(images), "temp_mb": _mb(temp), "data_folder_mb": _mb(images + temp + rest),
                "disk_free_mb": _mb(free.free),
                "disk_used_percent": round(100 * (free.total - free.free) / free.total, 1) if free.total else None}


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None

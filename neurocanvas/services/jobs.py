"""One lifecycle for every heavy job, on huey: queued -> running -> done | failed | cancelled | interrupted.

The studio submits a job (a generation row plus a task); a consumer runs it: worker threads inside the
studio by default, or `python -m neurocanvas worker` processes on any machine that reaches the broker.
Workers never touch the database or the images folder: they return PNG bytes and metadata, and the
studio's collector is the one writer. Progress, previews, heartbeats, cancel flags and the job's inputs
travel through the broker's key/value store, so any process can run, watch or stop any job.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import socket
import threading
import time
from typing import Any, Callable, Iterator

from neurocanvas.config import Settings
from neurocanvas.services.board import Board
from neurocanvas.services.worker import RUNNERS, alive, execute, image_from_bytes
from neurocanvas.store.jobs import ACTIVE, TERMINAL, JobsRepo

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 2  # a job whose worker dies is retried once, from the start
POLL_SECONDS = 0.2
DRAFT, SINGLE, NORMAL = 20, 10, 0  # drafts, then single images, then batches and multi-model runs
FAIR_SHARE_STEPS = 9  # each job a user already has waiting lowers the next one's priority, within its class


class QueueFull(ValueError):
    """A submit refused before anything was written: the studio's line, or this user's share of it, is full."""


def priority_of(width: int, height: int, images: int) -> int:
    """Drafts (256 px or less) first, then single images, then batches and multi-model runs."""
    if max(width, height) <= 256:
        return DRAFT
    return SINGLE if images == 1 else NORMAL


@dataclasses.dataclass
class Update:
    """What a watcher of one job sees each poll."""
    status: str  # waiting | running | done | failed | cancelled | interrupted
    position: int = 0
    eta_s: float = 0.0
    step: int = 0
    total: int = 0
    line: str = ""
    preview: Any = None  # a PIL image, only when a new one arrived
    extra: dict = dataclasses.field(default_factory=dict)  # a runner's own figures (a training's loss)
    error: str = ""
    generation: Any = None


def make_huey(settings: Settings):
    """SqliteHuey in the data folder by default; a priority Redis queue when a broker is set."""
    from huey import PriorityRedisHuey, SqliteHuey

    if settings.broker_url:
        return PriorityRedisHuey("neurocanvas", url=settings.broker_url, results=True)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("neurocanvas", filename=str(settings.data_dir / "jobs.db"), results=True)


class JobService:
    """Submit, watch, cancel and list jobs; run them (as a worker); collect their results (as the studio)."""

    def __init__(self, settings: Settings, jobs_repo: JobsRepo | None = None, runtime: Any = None) -> None:
        self.settings = settings
        self.rows = jobs_repo  # None in a worker process: workers never open the database
        self.runtime = runtime  # what runners get: the registry and settings of this process
        self.huey = make_huey(settings)
        self.task = self.huey.task(name="neurocanvas_job")(
            lambda generation_id, attempt: execute(self.huey, self.runtime, self.worker_name, generation_id, attempt))
        self.on_submit: Callable[[str], None] | None = None  # e.g. count the last job's unanswered images as skipped
        self._consumer = None
        self._collector: threading.Thread | None = None
        self._stop = threading.Event()
        self.board = Board()
        self.worker_name = f"{socket.gethostname()}:{os.getpid()}"

    # the studio's side -------------------------------------------------------------------------
    def submit(self, user: str, kind: str, params: dict, inputs: dict | None = None, prompt: str = "",
               negative_prompt: str = "", model_ids: list[str] | None = None, request_key: str = "",
               priority: int = NORMAL, estimate_s: float = 1.0, fresh: bool = True) -> int:
        """A generation row and its task; `inputs` (image bytes...) travel with the job, not in the database.

        `fresh`: a new request of the user's (not a later step of a plan): it may be refused (QueueFull) and
        on_submit runs for it. A user's waiting jobs lower the priority of their next, so one person's batch
        of twenty does not hold everyone else's single image."""
        if kind not in RUNNERS:
            raise ValueError(f"Unknown kind of job {kind!r}.")
        total, mine = self.rows.active_counts(user)
        if fresh:
            self._admit(total, mine)
        priority -= min(mine, FAIR_SHARE_STEPS)
        if fresh and self.on_submit is not None:
            try:
                self.on_submit(user)
            except Exception:  # never in a job's way
                log.exception("the submit hook failed for %s", user)
        row = self.rows.create(user, kind, prompt, negative_prompt, params, model_ids or [], request_key, priority,
                               max(0.1, estimate_s))
        self.huey.put(f"nc:inputs:{row.id}", {"kind": kind, "params": params, "inputs": inputs or {}})
        self._enqueue(row.id, 1, priority)
        return row.id

    def _admit(self, total: int, mine: int) -> None:
        if mine >= self.settings.max_jobs_per_user:
            raise QueueFull(f"You already have {mine} jobs waiting or running, the most one person may have; "
                            "wait for one to finish, or cancel one in the Jobs panel.")
        if total >= self.settings.queue_size:
            raise QueueFull(f"The studio's queue is full ({total} jobs waiting or running); try again in a minute.")

    def _enqueue(self, generation_id: int, attempt: int, priority: int) -> None:
        task = self.task.s(generation_id, attempt, priority=priority, id=f"job-{generation_id}-{attempt}")
        self.rows.set_task(generation_id, task.id)
        self.huey.enqueue(task)

    def cancel(self, generation_id: int) -> bool:
        """Stop a waiting job (revoked) or a running one (it stops at its next step), whoever runs it."""
        row = self.rows.get(generation_id)
        if row is None or row.status not in ACTIVE:
            return False
        self.huey.put(f"nc:cancel:{generation_id}", True)
        if row.status == "queued":
            self.huey.revoke_by_id(row.task_id)
            if self.rows.move(generation_id, "cancelled", leaving=("queued",), event="cancelled while waiting"):
                self._forget(generation_id)
        return True

    def follow(self, generation_id: int) -> Iterator[Update]:
        """Updates for one job at each collector pass until it ends (the last update has the final status)."""
        version = 0
        while True:
            entry = self._view().get(generation_id)
            if entry is None:  # ended, or too new for the board
                row = self.rows.get(generation_id)
                if row is None or row.status in TERMINAL:
                    yield Update(status=row.status if row else "failed", error=row.error if row else "No such job.",
                                 generation=row)
                    return
            elif entry.position:
                yield Update(status="waiting", position=entry.position, eta_s=entry.eta_s, generation=entry.row)
            else:
                progress = entry.progress
                fresh = progress.get("version", 0) != version
                version = progress.get("version", version)
                preview = image_from_bytes(progress["preview"]) if fresh and progress.get("preview") else None
                yield Update(status="running", step=progress.get("step", 0), total=progress.get("total", 0),
                             line=progress.get("line", ""), preview=preview, eta_s=entry.eta_s,
                             extra=progress.get("extra") or {}, generation=entry.row)
            self.board.wait(POLL_SECONDS)

    def wait(self, generation_id: int) -> Update:
        """Block until the job ends (for a short job whose caller shows no progress); its final update."""
        for update in self.follow(generation_id):
            if update.status not in ("waiting", "running"):
                return update
        raise RuntimeError("a job's updates ended without a final status")

    def place(self, generation_id: int) -> tuple[int, float]:
        """(position in the line, seconds until done); (0, 0.0) once it runs or has ended."""
        entry = self._view().get(generation_id)
        return (entry.position, entry.eta_s) if entry and entry.position else (0, 0.0)

    def snapshot(self, user_id: int | None = None) -> list[dict]:
        """Running and waiting jobs (of one user, by id) with their place and ETA: the Jobs panel's rows."""
        rows = [{"job": e.row.id, "what": _label(e.row), "status": "waiting" if e.position else "running",
                 "position": e.position, "eta_s": round(e.eta_s, 1), "cancelling": e.cancelling}
                for e in self._view().entries() if user_id is None or e.row.user_id == user_id]
        return sorted(rows, key=lambda r: (r["position"], r["job"]))

    def _view(self) -> Board:
        """The board; refreshed now when no collector keeps it fresh (a worker process, a test)."""
        if self._collector is None or not self._collector.is_alive():
            self._refresh()
        return self.board

    def _refresh(self) -> None:
        self.board.refresh(self.rows.active(), self.huey, max(1, self.settings.heavy_concurrency))

    # the collector: the one writer of results --------------------------------------------------
    def start(self) -> None:
        """Recover what the last stop left, then collect results (and run local workers unless told not to)."""
        if self._collector is not None and self._collector.is_alive():
            return
        self._stop.clear()
        self.recover()
        if self.settings.local_worker:
            self.start_workers(self.settings.heavy_concurrency)
        self._collector = threading.Thread(target=self._collect_loop, name="job-collector", daemon=True)
        self._collector.start()

    def recover(self) -> None:
        """After a stop: waiting jobs stay queued (re-queued if the engine lost them); running ones are retried
        by collect() once their worker's heartbeat is stale; a job whose inputs are gone cannot run again."""
        pending = {t.id for t in self.huey.pending()}
        for row in self.rows.active():
            if self.huey.get(f"nc:inputs:{row.id}", peek=True) is None:
                if self.rows.move(row.id, "interrupted", error="The studio stopped before this job could run again; "
                                                                "nothing was saved."):
                    self._forget(row.id)
            elif (row.status == "queued" and row.task_id not in pending  # not waiting, not done, not running
                  and self.huey.get(row.task_id, peek=True) is None
                  and self.huey.get(f"nc:state:{row.id}", peek=True) is None):
                self._enqueue(row.id, row.attempt, row.priority)

    def stop(self) -> None:
        self._stop.set()
        if self._consumer is not None:
            self._consumer.stop(graceful=False)  # a running job is not waited for: it is retried after a restart
            for _, thread in self._consumer.worker_threads:
                thread.join(timeout=2)  # idle workers see the stop flag within one poll
            self._consumer = None
        if self._collector is not None:
            self._collector.join(timeout=5)

    def _collect_loop(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            try:
                self.collect()
                self._refresh()
            except Exception:
                log.exception("collecting job results failed; trying again")

    def collect(self) -> None:
        """One pass: save finished results, mirror 'running', retry jobs whose worker stopped beating."""
        for row in self.rows.active():
            try:
                result = self.huey.result(row.task_id)
            except Exception as exc:  # the task itself raised (a bug in a runner): the job fails
                result = {"status": "failed", "error": f"The job failed ({type(exc).__name__}).", "attempt": row.attempt}
            if result is not None:
                self._finish(row, result)
                continue
            state = self.huey.get(f"nc:state:{row.id}", peek=True)
            if state and state["attempt"] == row.attempt:
                if row.status == "queued":
                    self.rows.move(row.id, "running", leaving=("queued",), started=state["started"],
                                   worker=state["worker"], attempt=row.attempt)
                elif time.time() - state["beat"] > self.settings.worker_timeout_s or not alive(state["worker"]):
                    self._worker_died(row, state["worker"])
            elif row.status == "running":  # running, but no live attempt reports: its worker is gone
                self._worker_died(row, "unknown")

    def _worker_died(self, row, worker: str) -> None:
        if row.attempt < MAX_ATTEMPTS and self.huey.get(f"nc:inputs:{row.id}", peek=True) is not None:
            if self.rows.retry(row.id, row.attempt + 1, reason=f"worker {worker} stopped"):
                log.warning("job %d: worker %s stopped; retrying on a live worker", row.id, worker)
                self._enqueue(row.id, row.attempt + 1, row.priority)
        elif self.rows.move(row.id, "interrupted", event="interrupted",
                            error=f"Its worker stopped twice (last: {worker}); nothing was saved."):
            self._forget(row.id)

    def _finish(self, row, result: dict) -> None:
        status = result.get("status")
        if row.status == "queued" and result.get("started"):  # it ran between two looks of the collector
            self.rows.move(row.id, "running", leaving=("queued",), started=result["started"],
                           worker=result.get("worker"), attempt=result.get("attempt"))
        if status == "done":
            items = [(image_from_bytes(i["png"]), i["meta"], i["model_id"], i["seed"]) for i in result["images"]]
            try:
                saved = self.rows.repo.save_images(row.user.name, row.id, items, self.rows.live_parent(row)) if items else []
                for image_id, score in result.get("scores", {}).items():  # a ranking job's CLIP scores
                    self.rows.repo.set_clip_score(row.user.name, int(image_id), score)
                if result.get("model"):  # a trained network: the registry installs it as a local model
                    files = result["model"]["files"]
                    self.runtime.registry.install_local(result["model"]["entry"], lambda folder: [
                        (folder / name).write_bytes(data) for name, data in files.items()])
            except Exception as exc:
                log.warning("job %d: saving failed: %s", row.id, exc)
                self.rows.move(row.id, "failed", error=str(exc))
            else:
                timings = {**result.get("timings", {}), "images": [r.id for r in saved], "notes": result.get("notes", []),
                           **({"term_scores": result["term_scores"]} if "term_scores" in result else {})}
                self.rows.move(row.id, "done", timings=timings, attempt=result.get("attempt"))
        elif status in ("failed", "cancelled"):
            self.rows.move(row.id, status, error=result.get("error", ""))
        self._forget(row.id)

    def _forget(self, generation_id: int) -> None:
        self.huey.put(f"nc:cancel:{generation_id}", True)  # a straggling attempt stops too
        for key in ("progress", "inputs", "state"):
            self.huey.delete(f"nc:{key}:{generation_id}")

    # the worker's side ---------------------------------------------------------------------------
    def start_workers(self, count: int) -> None:
        """Consumer threads in this process (the studio's own, or `neurocanvas worker`'s)."""
        self._consumer = self.huey.create_consumer(workers=count, worker_type="thread", periodic=False,
                                                   initial_delay=0.05, backoff=1.1, max_delay=0.25)
        self._consumer._set_signal_handlers = lambda: None  # the host process keeps its own SIGTERM/SIGINT
        self._consumer.start()

def _label(row) -> str:
    return json.loads(row.params or "{}").get("label") or f"{row.kind.replace('_', ' ')}: {row.prompt[:40]}"

"""The worker's side of a job: run its runner with heartbeats, progress and a cancel flag, all through the broker.

Nothing here opens the database or writes under the data folder: the result (images as PNG bytes) goes
back through the task engine, and the studio's collector saves it (services/jobs.py).
"""
from __future__ import annotations

import importlib
import logging
import os
import socket
import threading
import time
from typing import Any

log = logging.getLogger(__name__)

RUNNERS = {"text_to_image": "neurocanvas.services.generate", "style_transfer": "neurocanvas.services.restyle",
           "rank": "neurocanvas.services.rank", "train_style": "neurocanvas.services.train",
           "calibrate": "neurocanvas.services.calibrate", "export_openvino": "neurocanvas.services.export"}
BEAT_SECONDS = 1.0
FLAG_SECONDS = 0.2  # a cancel flag is read at most this often
NICE = 10


class JobError(Exception):
    """A runner's expected failure: its message is shown to the user as it is."""


class StorageFlag:
    """A cancel flag any process can raise: an Event-like view of a broker key, read at most every 0.2 s."""

    def __init__(self, huey, key: str) -> None:
        self.huey, self.key, self._seen, self._checked = huey, key, False, 0.0

    def is_set(self) -> bool:
        if not self._seen and time.monotonic() - self._checked > FLAG_SECONDS:
            self._checked = time.monotonic()
            self._seen = bool(self.huey.get(self.key, peek=True))
        return self._seen

    def set(self) -> None:
        self.huey.put(self.key, True)
        self._seen = True


class Reporter:
    """Handed to a runner: progress(step, total, line, preview) goes to the broker for the studio to show."""

    def __init__(self, huey, generation_id: int) -> None:
        self.huey, self.key = huey, f"nc:progress:{generation_id}"
        self.version = 0

    def __call__(self, step: int, total: int, line: str = "", preview: Any = None, **extra: Any) -> None:
        self.version += 1
        self.huey.put(self.key, {"step": step, "total": total, "line": line, "version": self.version,
                                 "preview": png_bytes(preview) if preview is not None else None, "extra": extra})


def execute(huey, runtime: Any, worker_name: str, generation_id: int, attempt: int) -> dict:
    """The task: run the job's runner with heartbeats; the result (images as PNG bytes) goes back to the studio."""
    _lower_priority()
    job = huey.get(f"nc:inputs:{generation_id}", peek=True)
    cancel = StorageFlag(huey, f"nc:cancel:{generation_id}")
    if job is None or cancel.is_set():
        return {"status": "cancelled", "attempt": attempt}
    state_key = f"nc:state:{generation_id}"
    beating = threading.Event()
    ran = {"attempt": attempt, "worker": worker_name, "started": time.time()}

    def beat() -> None:
        while not beating.wait(BEAT_SECONDS):
            huey.put(state_key, {**ran, "beat": time.time()})

    huey.put(state_key, {**ran, "beat": time.time()})
    threading.Thread(target=beat, daemon=True, name=f"beat-{generation_id}").start()
    try:
        run = importlib.import_module(RUNNERS[job["kind"]]).run
        output = run(runtime, job["params"], job["inputs"], Reporter(huey, generation_id), cancel)
        return {"status": "done", **ran, "timings": output.get("timings", {}),
                "notes": output.get("notes", []),
                "images": [{"png": png_bytes(image), "meta": meta, "model_id": model_id, "seed": seed}
                           for image, meta, model_id, seed in output["images"]],
                "scores": output.get("scores", {}), "model": output.get("model"),
                **({"term_scores": output["term_scores"]} if "term_scores" in output else {})}
    except Exception as exc:
        if _is_cancel(exc) or cancel.is_set():
            return {"status": "cancelled", **ran}
        if not _expected(exc):
            log.exception("job %d failed", generation_id)
            return {"status": "failed", **ran, "error": f"Something went wrong in the worker (job #{generation_id}); "
                    "the details are in the worker's log."}
        return {"status": "failed", **ran, "error": str(exc)}
    finally:
        beating.set()




def _lower_priority() -> None:
    """Jobs yield the CPU to the studio's light calls (Linux: niceness is per thread)."""
    try:
        tid = threading.get_native_id()
        if os.getpriority(os.PRIO_PROCESS, tid) < NICE:
            os.setpriority(os.PRIO_PROCESS, tid, NICE)
    except (AttributeError, OSError):
        pass


def png_bytes(image) -> bytes:
    """Images cross processes as PNG bytes (fast compression: they are decoded once on the other side)."""
    import io

    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def image_from_bytes(data: bytes):
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _is_cancel(exc: BaseException) -> bool:
    """The engines' own Cancelled: the job was stopped between two steps, and nothing is saved."""
    from neurocanvas.engines import style_transfer, text_to_image

    return isinstance(exc, (text_to_image.Cancelled, style_transfer.Cancelled))


def _expected(exc: BaseException) -> bool:
    from neurocanvas.registry import RegistryError

    return isinstance(exc, (ValueError, RegistryError, JobError))


def alive(worker: str) -> bool:
    """False only when the worker ran on this machine and its process is gone (a restart need not wait the timeout)."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True

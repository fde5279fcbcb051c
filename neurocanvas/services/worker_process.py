"""The studio's own job workers in a child process (`make run`'s default): a niced `neurocanvas worker` beside it.

Renders in the studio's threads share its GIL with every web request: under 20 clients a tiny render took
2.4-6.7 s instead of 0.6-0.7 s, and light calls' p95 was 298-452 ms instead of 185-303 ms (`make load-test`). A child
process at a lower priority keeps the web process responsive; it takes the same options, queue and models folder,
and returns results through the queue as any remote worker does (the studio stays the only writer).

Threads and the memory budget the owner changes while running reach the child through a small file in the
data folder, which the child reads between jobs.
"""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Sequence

log = logging.getLogger(__name__)
CONTROL_FILE = "worker-settings.json"  # {"threads": n, "memory_budget_mb": m}, written by the studio
NICENESS = 10


class WorkerProcess:
    def __init__(self, data_dir: Path, workers: int, argv: Sequence[str]) -> None:
        self.control = Path(data_dir) / CONTROL_FILE
        self.command = [sys.executable, "-m", "neurocanvas", "worker", "--workers", str(workers),
                        "--nice", str(NICENESS), "--parent", str(os.getpid()), *argv]
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.control.unlink(missing_ok=True)  # the launch options rule until the owner changes them
        self.process = subprocess.Popen(self.command)
        log.info("job workers run in process %d (nice %d)", self.process.pid, NICENESS)

    def stop(self, timeout: float = 30) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # a job it was running is retried when the studio starts again
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def configure(self, threads: int, memory_budget_mb: float) -> None:
        """The child applies these before its next job (atomic replace: it never reads half a file)."""
        part = self.control.with_suffix(".part")
        part.write_text(json.dumps({"threads": threads, "memory_budget_mb": memory_budget_mb}))
        os.replace(part, self.control)


class ControlWatch:
    """In the child: applies the studio's control file to the worker's registry whenever it changes."""

    def __init__(self, data_dir: Path, registry: Any) -> None:
        self.control = Path(data_dir) / CONTROL_FILE
        self.registry = registry
        self.seen: float | None = None

    def check(self) -> bool:
        try:
            mtime = self.control.stat().st_mtime
            if mtime == self.seen:
                return False
            wanted = json.loads(self.control.read_text())
            self.registry.configure(threads=int(wanted["threads"]), memory_budget_mb=float(wanted["memory_budget_mb"]))
        except FileNotFoundError:
            return False
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring %s: %s", self.control, exc)
            return False
        self.seen = mtime
        log.info("threads %s, memory budget %.0f MB (set in the studio)", wanted["threads"], wanted["memory_budget_mb"])
        return True


def parent_gone(pid: int) -> bool:
    """True once the studio that started this worker is gone (even after a kill -9: the worker is re-parented)."""
    return os.getppid() != pid

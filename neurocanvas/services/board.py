"""Every active job's place, ETA and progress, worked out once per collector pass for all who watch.

Each open render used to query the database several times a poll; with a few dozen watchers that was the
web process's largest cost. Now the collector refreshes one board and watchers read it (and wake on it).
"""
from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any


@dataclasses.dataclass(frozen=True)
class Entry:
    row: Any  # the generation row as of the last refresh
    position: int  # 0: running; 1, 2, ...: place in the line
    eta_s: float  # seconds until it is done
    progress: dict  # the worker's last report (step, total, line, preview, version, extra)
    cancelling: bool


def remaining(row, progress: dict) -> float:
    """Seconds left: from the steps done so far once there are some, else from the job's estimate."""
    elapsed = time.time() - row.started_at.timestamp() if row.started_at else 0.0
    done = progress.get("step", 0) / progress["total"] if progress.get("total") else 0.0
    if done > 0.05:
        return elapsed / done * (1 - done)
    return max(0.0, row.estimate_s - elapsed)


def waiting_order(rows: list) -> list:
    """Waiting jobs in the order the task engine takes them: higher priority first, then first come."""
    return sorted((r for r in rows if r.status == "queued"), key=lambda r: (-r.priority, r.id))


class Board:
    def __init__(self) -> None:
        self._entries: dict[int, Entry] = {}
        self._changed = threading.Condition()

    def refresh(self, rows: list, huey, slots: int) -> None:
        """Rebuild from the active rows and the broker's progress and cancel flags, then wake the watchers."""
        entries: dict[int, Entry] = {}
        running = [r for r in rows if r.status == "running"]
        busy = []
        for row in running:
            progress = huey.get(f"nc:progress:{row.id}", peek=True) or {}
            eta = remaining(row, progress)
            busy.append(eta)
            entries[row.id] = Entry(row, 0, eta, progress, bool(huey.get(f"nc:cancel:{row.id}", peek=True)))
        busy.sort()
        start = busy[0] if len(busy) >= slots else 0.0  # the first free slot
        ahead = 0.0
        for index, row in enumerate(waiting_order(rows)):
            entries[row.id] = Entry(row, index + 1, start + ahead / slots + row.estimate_s, {},
                                    bool(huey.get(f"nc:cancel:{row.id}", peek=True)))
            ahead += row.estimate_s
        with self._changed:
            self._entries = entries
            self._changed.notify_all()

    def get(self, generation_id: int) -> Entry | None:
        return self._entries.get(generation_id)

    def entries(self) -> list[Entry]:
        return list(self._entries.values())

    def wait(self, timeout: float) -> None:
        """Until the next refresh, or `timeout` seconds."""
        with self._changed:
            self._changed.wait(timeout)

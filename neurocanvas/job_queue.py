"""The studio's own queue for model-running jobs: first in, first out, a few at a time.

Gradio's queue lets every heavy event in; this queue decides which one runs, so that each waiting job
knows its position, its ETA (from this machine's measured times) and can be cancelled from anywhere
(its Stop button or the Jobs panel). The generations table keeps each job's status.
"""
from __future__ import annotations

import dataclasses
import itertools
import statistics
import threading
import time
from typing import Iterable

DEFAULT_UNIT_SECONDS = 3.0  # a guess for one 512x512 step until this machine has measured one


@dataclasses.dataclass
class Ticket:
    generation_id: int
    user: str
    label: str
    estimate: float  # seconds this job should take once it runs
    number: int = 0
    started_at: float | None = None
    fraction: float = 0.0  # of the work done, from the job's progress
    cancel: threading.Event = dataclasses.field(default_factory=threading.Event)

    def remaining(self, now: float) -> float:
        if self.started_at is None:
            return self.estimate
        if self.fraction > 0.05:  # trust the job's own pace once it has one
            elapsed = now - self.started_at
            return elapsed / self.fraction * (1 - self.fraction)
        return max(0.0, self.estimate - (now - self.started_at))


class JobQueue:
    def __init__(self, slots: int = 1) -> None:
        if slots < 1:
            raise ValueError("A job queue needs at least one slot.")
        self.slots = slots
        self._waiting: list[Ticket] = []
        self._running: list[Ticket] = []
        self._lock = threading.Condition()
        self._numbers = itertools.count(1)

    def join(self, generation_id: int, user: str, label: str, estimate: float) -> Ticket:
        ticket = Ticket(generation_id, user, label, max(0.1, estimate), number=next(self._numbers))
        with self._lock:
            self._waiting.append(ticket)
        return ticket

    def try_start(self, ticket: Ticket, timeout: float = 0.0) -> bool:
        """True once `ticket` runs: it is first in line and a slot is free (waits up to `timeout`)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                if ticket in self._running:
                    return True
                if self._waiting and self._waiting[0] is ticket and len(self._running) < self.slots:
                    self._waiting.pop(0)
                    ticket.started_at = time.monotonic()
                    self._running.append(ticket)
                    return True
                left = deadline - time.monotonic()
                if left <= 0 or ticket.cancel.is_set():
                    return False
                self._lock.wait(left)

    def leave(self, ticket: Ticket) -> None:
        with self._lock:
            if ticket in self._waiting:
                self._waiting.remove(ticket)
            if ticket in self._running:
                self._running.remove(ticket)
            self._lock.notify_all()

    def progress(self, ticket: Ticket, fraction: float) -> None:
        ticket.fraction = min(1.0, max(0.0, fraction))

    def position(self, ticket: Ticket) -> int:
        """0 while running; 1 when it is next; n when n-1 jobs wait before it."""
        with self._lock:
            if ticket in self._running:
                return 0
            return self._waiting.index(ticket) + 1 if ticket in self._waiting else -1

    def eta(self, ticket: Ticket) -> float:
        """Seconds until this job is done: the running jobs' rest, those ahead of it, then its own."""
        now = time.monotonic()
        with self._lock:
            if ticket in self._running:
                return ticket.remaining(now)
            ahead = self._waiting[: self._waiting.index(ticket)] if ticket in self._waiting else []
            busy = sorted(t.remaining(now) for t in self._running)
            # with several slots, a waiting job starts when the earliest running one ends
            start = busy[0] if len(busy) >= self.slots else 0.0
            return start + sum(t.estimate for t in ahead) / self.slots + ticket.estimate

    def cancel(self, generation_id: int, user: str) -> bool:
        """Ask a job of this user's to stop (a waiting one leaves the line; a running one stops at its next step)."""
        with self._lock:
            for ticket in self._running + self._waiting:
                if ticket.generation_id == generation_id and ticket.user == user:
                    ticket.cancel.set()
                    self._lock.notify_all()
                    return True
        return False

    def snapshot(self, user: str | None = None) -> list[dict]:
        with self._lock:
            tickets = [(t, 0) for t in self._running] + [(t, i + 1) for i, t in enumerate(self._waiting)]
        rows = []
        for ticket, position in tickets:
            if user is None or ticket.user == user:
                rows.append({"job": ticket.generation_id, "what": ticket.label,
                             "status": "running" if position == 0 else "waiting", "position": position,
                             "eta_s": round(self.eta(ticket), 1), "cancelling": ticket.cancel.is_set()})
        return rows


def estimate_seconds(units: float, history: Iterable[tuple[float, float]]) -> float:
    """Seconds for a job of `units` (steps x images x megapixels/0.26), from this machine's past (units, seconds)."""
    rates = [seconds / u for u, seconds in history if u > 0 and seconds > 0]
    rate = statistics.median(rates) if rates else DEFAULT_UNIT_SECONDS
    return units * rate


def work_units(steps: int, images: int, width: int, height: int) -> float:
    """Steps x images x area in 512x512 frames: the cost model both the ETA and the history share."""
    return max(1, steps) * max(1, images) * (width * height) / (512 * 512)

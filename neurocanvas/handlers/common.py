"""What every handler shares: who the user is, and turning our errors into messages at the UI edge."""
from __future__ import annotations

import contextlib
import logging
import queue
import random
import re
import secrets
import threading
from typing import Any, Callable, Generator, Iterator

import gradio as gr

from neurocanvas.engines.text_to_image import MAX_SEED
from neurocanvas.registry import RegistryError
from neurocanvas.services.jobs import JobService, Update
from neurocanvas.store import NotFound, StoreError
from neurocanvas.store.repo import LOCAL_USER

log = logging.getLogger(__name__)


def user_of(request: gr.Request | None) -> str:
    """The logged-in user's name; without auth everyone is the single local user."""
    return (getattr(request, "username", None) or LOCAL_USER) if request is not None else LOCAL_USER


# Python's own conversion messages (`invalid literal for int()...`): true, but not for the user's eyes
PYTHON_WORDING = re.compile(r"invalid literal for|could not convert|cannot convert|math domain|values to unpack")


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Expected failures become a gr.Error with their own message and one log line; a real fault logs its
    traceback under a short reference the user sees (no class names, no paths)."""
    try:
        yield
    except gr.Error as exc:
        raise refusal(exc.message) from exc
    except (RegistryError, StoreError, NotFound, ValueError, OverflowError) as exc:
        if isinstance(exc, OverflowError) or PYTHON_WORDING.search(str(exc)):  # int("x"), int(nan)...: Python's
            raise refusal("A value is not a number this form can use; check the numbers and try again.") from exc
        raise refusal(str(exc)) from exc
    except Exception as exc:
        reference = secrets.token_hex(4)
        log.exception("unexpected error [ref %s]", reference)
        raise gr.Error(f"Something went wrong on the studio's side (reference {reference}); the details are in "
                       "its log.", print_exception=False) from exc


def refusal(message: str) -> gr.Error:
    """A message for the user, logged as one line: Gradio would print a traceback for every gr.Error."""
    log.info("refused: %s", message.replace("\n", " ")[:300])
    return gr.Error(message, print_exception=False)


MAX_ID = 2**63 - 1  # the database's integer range (SQLite and PostgreSQL bigint)


def row_id(value: Any, what: str = "an item") -> int:
    """A row id from a widget or client value: a whole number from 1 to 2**63 - 1, or a clear message."""
    if isinstance(value, bool) or value is None or value == "" or value == 0:  # 0: an empty number box
        raise ValueError(f"Pick {what} first.")
    try:
        number = int(value) if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()) \
            else float(value)
    except (TypeError, ValueError):
        raise ValueError(f"The number of {what} must be a whole number.") from None
    if isinstance(number, float):
        if number != number or number in (float("inf"), float("-inf")) or number != int(number):
            raise ValueError(f"The number of {what} must be a whole number.")
        number = int(number)
    if not 1 <= number <= MAX_ID:
        raise ValueError(f"No {what.split()[-1]} {number if abs(number) < 10**12 else 'with that number'} of yours.")
    return number


POLL_SECONDS = 0.25  # a job's generator yields at least this often, so Stop can close it between two polls


def run_in_worker(work: Callable[[Callable[[str, Any], None]], None], name: str) -> Iterator[tuple[str, Any] | None]:
    """Run `work(emit)` in its own thread and relay what it emits; None every POLL_SECONDS as a heartbeat.

    Gradio steps a generator handler on any free thread, so a model lock must not be held across yields:
    the worker thread takes the lock and keeps it for the whole job. Ends after a "done" or "error" event.
    """
    events: queue.Queue = queue.Queue()

    def target() -> None:
        try:
            work(lambda kind, payload=None: events.put((kind, payload)))
        except BaseException as exc:  # handed to the consumer, which reports it
            events.put(("error", exc))
        else:
            events.put(("done", None))

    threading.Thread(target=target, daemon=True, name=name).start()
    while True:
        try:
            kind, payload = events.get(timeout=POLL_SECONDS)
        except queue.Empty:
            yield None
            continue
        yield kind, payload
        if kind in ("done", "error"):
            return


def watch(jobs: JobService, generation_id: int, progress: Any,
          outputs: Callable[[str, Any], tuple]) -> Generator[tuple, None, Update]:
    """Yield outputs(line, preview) while a job waits or runs; returns its final update.

    Closing the generator (Stop, or the client went away) cancels the job: a waiting one leaves the queue,
    a running one stops at its next step, and nothing of it is saved."""
    ended = False
    try:
        for update in jobs.follow(generation_id):
            if update.status == "waiting":
                yield outputs(f"Job #{generation_id} is waiting: position {update.position} in the queue, "
                              f"done in about {_duration(update.eta_s)}.", None)
            elif update.status == "running":
                if update.total and progress is not None:
                    progress((update.step, update.total), unit="steps",
                             desc=f"{update.line or 'Running'}, about {_duration(update.eta_s)} left")
                yield outputs(f"{update.line}…" if update.line else f"Job #{generation_id} is running…", update.preview)
            else:
                ended = True
                return update
    finally:
        if not ended:
            jobs.cancel(generation_id)
    raise RuntimeError("a job's updates ended without a final status")


def stopped_text(repo: Any, user: str, kinds: tuple[str, ...]) -> Any:
    """What Stop did, for the tab's info line: only when a job of the tab was still waiting or running (a job that
    had finished keeps its 'saved' line)."""
    latest = repo.latest_generation(user, kinds)
    if latest is None or latest.status in ("done", "failed", "interrupted"):
        return gr.skip()
    if latest.status == "queued" or latest.started_at is None:
        return f"Stopped job #{latest.id} while it waited: nothing was saved."
    return f"Stopped job #{latest.id}: nothing was saved."


def seed_text(seed: Any) -> str:
    """The caption's seed part; a restyle or an edit has no seed, and the caption then says nothing about one."""
    return f" · seed {seed}" if seed is not None else ""


def ended_text(update: Update) -> str:
    """The line for a job that ended without images; a failure becomes the user's error."""
    if update.status == "cancelled":
        waited = update.generation is not None and update.generation.started_at is None
        return "Cancelled while waiting: nothing was saved." if waited else "Stopped: nothing was saved."
    raise refusal(update.error or f"The job ended {update.status}.")


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def whole_number(value: Any, name: str) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name.title()} must be a number.") from None
    if number != number or number in (float("inf"), float("-inf")) or number != int(number):
        raise ValueError(f"{name.title()} must be a whole number, not {value}.")
    return int(number)


def form_seed(value: Any) -> int:
    """The form's seed; -1 draws a random one."""
    seed = whole_number(value, "seed")
    return random.randint(0, MAX_SEED) if seed == -1 else seed

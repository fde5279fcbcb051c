"""What every handler shares: who the user is, and turning our errors into messages at the UI edge."""
from __future__ import annotations

import contextlib
import logging
import queue
import threading
from typing import Any, Callable, Generator, Iterator

import gradio as gr

from neurocanvas.job_queue import JobQueue, Ticket
from neurocanvas.registry import RegistryError
from neurocanvas.store import NotFound, StoreError
from neurocanvas.store.repo import LOCAL_USER

log = logging.getLogger(__name__)


def user_of(request: gr.Request | None) -> str:
    """The logged-in user's name; without auth everyone is the single local user."""
    return (getattr(request, "username", None) or LOCAL_USER) if request is not None else LOCAL_USER


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Expected failures become a gr.Error with their own message; the rest are logged and reported briefly."""
    try:
        yield
    except gr.Error:
        raise
    except (RegistryError, StoreError, NotFound, ValueError) as exc:
        raise gr.Error(str(exc)) from exc
    except Exception as exc:
        log.exception("unexpected error")
        raise gr.Error(f"Something went wrong ({type(exc).__name__}); details are in the studio's log.") from exc


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


def wait_turn(jobs: JobQueue, ticket: Ticket, outputs: Callable[[str], Any]) -> Generator[Any, None, bool]:
    """Yield outputs(line about the job's place and ETA) until it may run; returns False if it was cancelled."""
    while not jobs.try_start(ticket, timeout=POLL_SECONDS):
        if ticket.cancel.is_set():
            return False
        yield outputs(f"Job #{ticket.generation_id} is waiting: position {jobs.position(ticket)} in the queue, "
                      f"done in about {_duration(jobs.eta(ticket))}.")
    return not ticket.cancel.is_set()


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def eta_text(jobs: JobQueue, ticket: Ticket) -> str:
    return f"about {_duration(jobs.eta(ticket))} left"

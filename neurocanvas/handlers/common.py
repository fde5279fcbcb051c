"""What every handler shares: who the user is, and turning our errors into messages at the UI edge."""
from __future__ import annotations

import contextlib
import logging
from typing import Iterator

import gradio as gr

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

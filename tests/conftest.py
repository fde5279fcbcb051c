"""Shared fixtures: tiny models built once per session, a fresh data folder per test, the app in-process."""
from __future__ import annotations

import os
import socket
from pathlib import Path

# Before any Hugging Face import: no test may reach the real hub. A closed local port fails at once;
# pull tests pass their own fake hub's URL explicitly.
os.environ["HF_ENDPOINT"] = "http://127.0.0.1:9"
os.environ.pop("HF_HUB_OFFLINE", None)
os.environ.setdefault("NEUROCANVAS_THREADS", "1")

import neurocanvas  # noqa: E402,F401  (environment defaults before torch/llama_cpp)
import pytest  # noqa: E402

from neurocanvas.config import Settings  # noqa: E402


def wait_until(condition, timeout: float = 30, interval: float = 0.02) -> bool:
    """Poll until condition() is true or the timeout passes; returns the last answer."""
    import time

    deadline = time.time() + timeout
    while not condition() and time.time() < deadline:
        time.sleep(interval)
    return bool(condition())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def tiny_built(tmp_path_factory):
    """The tiny random-weight models, built once and copied into each test's models folder."""
    from tests.fixtures import build_all

    return build_all(tmp_path_factory.mktemp("tiny-models"))


SHARED_STYLES = Path(__file__).resolve().parents[2] / "shared" / "styles"  # ten public-domain paintings


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", models_dir=tmp_path / "models", port=free_port(), threads=1,
                    styles_dir=SHARED_STYLES)


@pytest.fixture
def ctx(settings, tiny_built):
    from neurocanvas.context import build_context
    from tests.fixtures import install_tiny_models

    context = build_context(settings)
    install_tiny_models(context.registry, tiny_built)
    yield context
    context.repo.db.close()


@pytest.fixture
def app(ctx):
    """The studio launched in this process on a free port; yields (demo, client)."""
    from gradio_client import Client

    from neurocanvas.ui.app import build_app, launch

    demo = launch(build_app(ctx), ctx, prevent_thread_lock=True)
    client = Client(demo.local_url, verbose=False, download_files=str(ctx.settings.tmp_dir / "client"))
    yield demo, client
    demo.close()

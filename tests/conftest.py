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
    context.housekeeper.stop()
    context.jobs.stop()
    context.repo.db.close()


@pytest.fixture
def app(ctx):
    """The studio launched in this process on a free port; yields (demo, client).

    `_frontend=False` skips Gradio's start-up probe (one HEAD of the page with a 3 s timeout, no retry after a
    timeout), which failed launches on a busy 2-core machine; the client's own first call proves the server up."""
    from gradio_client import Client

    from neurocanvas.ui.app import build_app, launch

    demo = launch(build_app(ctx), ctx, prevent_thread_lock=True, _frontend=False)
    client = Client(demo.local_url, verbose=False, download_files=str(ctx.settings.tmp_dir / "client"),
                    httpx_kwargs={"timeout": 120})  # a busy 2-core machine answers the first call slowly
    yield demo, client
    demo.close()


def _postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:  # `make test` installs it; a bare pytest run must say what is missing, not skip
        pytest.fail("PostgreSQL is not installed: run `make test` (it installs Debian's postgresql).")
    return found[-1].parent


@pytest.fixture(scope="session")
def postgres_cluster():
    """A throwaway PostgreSQL cluster (initdb + pg_ctl) on a free port; yields a function making a fresh database."""
    import shutil
    import subprocess
    import tempfile

    bin_dir = _postgres_bin()
    folder = Path(tempfile.mkdtemp(prefix="nc-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the server as Debian's postgres user
        shutil.chown(folder, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    data = folder / "data"
    subprocess.run(as_user + [str(bin_dir / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres", "-E", "UTF8"],
                   check=True, capture_output=True)
    subprocess.run(as_user + [str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l", str(folder / "log"), "-o",
                              f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                   check=True, capture_output=True)
    import psycopg2

    names = iter(range(1, 10_000))

    def fresh_database() -> str:
        name = f"nc_test_{next(names)}"
        conn = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres")
        conn.autocommit = True
        conn.cursor().execute(f"CREATE DATABASE {name}")
        conn.close()
        return f"postgresql://postgres@127.0.0.1:{port}/{name}"

    yield fresh_database
    subprocess.run(as_user + [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
    shutil.rmtree(folder, ignore_errors=True)

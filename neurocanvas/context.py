"""AppContext: settings, registry and store, built once in app.py and passed to every handler."""
from __future__ import annotations

import dataclasses
import os

from neurocanvas.config import Settings
from neurocanvas.job_queue import JobQueue
from neurocanvas.registry import Registry, load_catalog
from neurocanvas.store import Repo, StoreError, open_store


@dataclasses.dataclass
class AppContext:
    settings: Settings
    registry: Registry
    repo: Repo
    jobs: JobQueue = dataclasses.field(default_factory=JobQueue)


def build_context(settings: Settings) -> AppContext:
    """Create the data folders, open the store, read the catalog; loads no model."""
    for folder in (settings.data_dir, settings.images_dir, settings.tmp_dir, settings.models_dir):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"Cannot create the folder {folder}: {exc.strerror or exc}. "
                             "Choose another with --data-dir / --models-dir.") from exc
        if not os.access(folder, os.W_OK):
            raise StoreError(f"The folder {folder} is not writable. Choose another with --data-dir / --models-dir.")
    # Gradio writes served files to GRADIO_TEMP_DIR: keep them inside the data folder.
    os.environ["GRADIO_TEMP_DIR"] = str(settings.tmp_dir.resolve())
    registry = Registry(load_catalog(), settings.models_dir, memory_budget_mb=settings.memory_budget_gb * 1024,
                        hub_endpoint=settings.hub_endpoint, threads=settings.cpu_threads)
    repo = open_store(settings.database, settings.images_dir)
    return AppContext(settings=settings, registry=registry, repo=repo, jobs=JobQueue(settings.heavy_concurrency))

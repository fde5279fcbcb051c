"""AppContext: settings, registry and store, built once in app.py and passed to every handler."""
from __future__ import annotations

import dataclasses
import os
from typing import Any

from neurocanvas.config import Settings
from neurocanvas.personalize import bandits
from neurocanvas.registry import Registry, load_catalog
from neurocanvas.services.housekeeping import Housekeeper
from neurocanvas.services.jobs import JobService
from neurocanvas.store import Repo, StoreError, open_store
from neurocanvas.store.files import FileAccess
from neurocanvas.store.jobs import JobsRepo
from neurocanvas.store.shares import ShareLinks


@dataclasses.dataclass
class AppContext:
    settings: Settings
    registry: Registry
    repo: Repo
    jobs: JobService
    files: FileAccess
    shares: ShareLinks
    housekeeper: Housekeeper
    worker_process: Any = None  # services.worker_process.WorkerProcess when the CLI runs the workers beside it


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
    registry = build_registry(settings)
    repo = open_store(settings.database, settings.images_dir)
    repo.new_user_settings = lambda name: {"algorithm": bandits.assigned(name), "ab_assigned": True}
    context = AppContext(settings=settings, registry=registry, repo=repo, jobs=JobService(settings, JobsRepo(repo)),
                         files=FileAccess(repo), shares=ShareLinks(settings.data_dir),
                         housekeeper=Housekeeper(settings))
    context.jobs.runtime = context  # jobs run here too (local workers): runners get this registry and settings
    return context


def build_registry(settings: Settings) -> Registry:
    return Registry(load_catalog(), settings.models_dir, memory_budget_mb=settings.memory_budget_gb * 1024,
                    hub_endpoint=settings.hub_endpoint, threads=settings.cpu_threads,
                    backend=settings.backend)


@dataclasses.dataclass
class WorkerRuntime:
    """What a `neurocanvas worker` process hands to runners: its own registry (its models folder) and settings."""
    settings: Settings
    registry: Registry


def build_worker(settings: Settings) -> JobService:
    """A job service for a worker process: no database, no images folder; results go back through the broker."""
    return JobService(settings, None, runtime=WorkerRuntime(settings, build_registry(settings)))

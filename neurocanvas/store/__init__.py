"""Persistence: Peewee tables, migrations, the repository (every query) and image files."""
from __future__ import annotations

import logging

from neurocanvas.store.db import StoreError, connect
from neurocanvas.store.migrations import migrate
from neurocanvas.store.repo import NotFound, Repo

__all__ = ["NotFound", "Repo", "StoreError", "open_store"]


def open_store(database_url: str, images_dir) -> Repo:
    """Connect, migrate, and turn jobs left running by a crash into `interrupted`."""
    db = connect(database_url)
    migrate(db)
    repo = Repo(db, images_dir)
    interrupted = repo.mark_interrupted()
    if interrupted:
        logging.getLogger(__name__).warning("%d job(s) were interrupted by the last stop", interrupted)
    return repo

"""Persistence: Peewee tables, migrations, the repository (every query) and image files."""
from __future__ import annotations

from neurocanvas.store.db import StoreError, connect
from neurocanvas.store.migrations import migrate
from neurocanvas.store.repo import NotFound, Repo

__all__ = ["NotFound", "Repo", "StoreError", "open_store"]


def open_store(database_url: str, images_dir) -> Repo:
    """Connect and migrate; the job service recovers what the last stop left (services/jobs.py)."""
    db = connect(database_url)
    migrate(db)
    return Repo(db, images_dir)

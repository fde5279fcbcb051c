"""Persistence: Peewee tables, migrations, the repository (every query) and image files."""
from __future__ import annotations

from neurocanvas.store.db import StoreError, connect
from neurocanvas.store.migrations import migrate
from neurocanvas.store.repo import NotFound, Repo
from neurocanvas.store.sweep import sweep_images

__all__ = ["NotFound", "Repo", "StoreError", "open_store"]


def open_store(database_url: str, images_dir) -> Repo:
    """Connect, migrate and sweep what a crash mid-save left; the job service recovers the jobs (services/jobs.py)."""
    db = connect(database_url)
    migrate(db)
    sweep_images(images_dir)
    return Repo(db, images_dir)

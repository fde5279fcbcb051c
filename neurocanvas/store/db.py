"""The one database handle. Tables bind to a proxy; `connect()` points it at SQLite or any db_url."""
from __future__ import annotations

import logging
from pathlib import Path

import peewee as pw
from playhouse.db_url import connect as connect_url

log = logging.getLogger(__name__)

database = pw.DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "normal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "cache_size": -32000,
}


class StoreError(RuntimeError):
    """A storage failure with a message fit for the user (disk full, database busy, unreadable folder)."""


def connect(url: str, busy_timeout_ms: int = 5000) -> pw.Database:
    """Open the database named by a peewee db_url; SQLite gets WAL and foreign keys on every connection."""
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"Cannot create the data folder {path.parent}: {exc.strerror or exc}.") from exc
        # IMMEDIATE: a transaction takes the write lock when it begins, so it waits (busy_timeout) for another
        # writer; a deferred one that reads first and writes later fails at once when a writer got in between.
        db = pw.SqliteDatabase(str(path), pragmas={**SQLITE_PRAGMAS, "busy_timeout": busy_timeout_ms},
                               check_same_thread=False, lock_type="IMMEDIATE")
    else:
        db = connect_url(url)
    database.initialize(db)
    try:
        db.connect(reuse_if_open=True)
    except pw.OperationalError as exc:
        raise StoreError(f"Cannot open the database {url.split('@')[-1]}: {exc}.") from exc
    log.info("database: %s", type(db).__name__)
    return db

"""Numbered schema migrations. Append a function; never edit one that has shipped."""
from __future__ import annotations

import logging
from typing import Callable

import peewee as pw

from neurocanvas.store import tables

log = logging.getLogger(__name__)


def _m1_initial(db: pw.Database) -> None:
    db.create_tables(tables.ALL_TABLES)


def _m2_gallery_index(db: pw.Database) -> None:
    """Gallery pages filter on user and deleted_at and sort on created_at: one index serves them at 10,000 images."""
    db.execute_sql('CREATE INDEX IF NOT EXISTS "image_gallery" ON "image" ("user_id", "deleted_at", "created_at")')


def _m3_job_lifecycle(db: pw.Database) -> None:
    """Jobs run on a task engine: each generation keeps its task id, attempt, priority, estimate and history."""
    from playhouse.migrate import SchemaMigrator, migrate as run

    have = {c.name for c in db.get_columns(tables.Generation._meta.table_name)}
    migrator = SchemaMigrator.from_database(db)
    fields = {name: tables.Generation._meta.fields[name]
              for name in ("task_id", "attempt", "priority", "estimate_s", "started_at", "history")}
    run(*[migrator.add_column(tables.Generation._meta.table_name, name, field)
          for name, field in fields.items() if name not in have])


def _m4_share_keys(db: pw.Database) -> None:
    """Share links sign a per-image key, so "stop sharing" can end them; links made before it stop opening."""
    from playhouse.migrate import SchemaMigrator, migrate as run

    if "share_key" not in {c.name for c in db.get_columns(tables.Image._meta.table_name)}:
        run(SchemaMigrator.from_database(db).add_column(tables.Image._meta.table_name, "share_key",
                                                         tables.Image._meta.fields["share_key"]))


def _m5_flags(db: pw.Database) -> None:
    """Users report shared images; the owner's admin tab settles the reports."""
    db.create_tables([tables.Flag])  # IF NOT EXISTS: a fresh database made it in _m1


def _m6_image_lineage(db: pw.Database) -> None:
    """Edits and image-to-image results name the image they came from, and an edit keeps its steps."""
    from playhouse.migrate import SchemaMigrator, migrate as run

    have = {c.name for c in db.get_columns(tables.Image._meta.table_name)}
    migrator = SchemaMigrator.from_database(db)
    fields = [tables.Image._meta.fields[name] for name in ("parent", "edits")]
    run(*[migrator.add_column(tables.Image._meta.table_name, field.column_name, field)
          for field in fields if field.column_name not in have])


def _m7_director_versions(db: pw.Database) -> None:
    """The art director keeps each conversation's rendered versions, their images and what CLIP saw in them."""
    db.create_tables([tables.DirectorVersion])


MIGRATIONS: list[Callable[[pw.Database], None]] = [_m1_initial, _m2_gallery_index, _m3_job_lifecycle, _m4_share_keys,
                                                   _m5_flags, _m6_image_lineage, _m7_director_versions]
SCHEMA_VERSION = len(MIGRATIONS)


def current_version(db: pw.Database) -> int:
    if not db.table_exists(tables.SchemaVersion._meta.table_name):
        return 0
    return tables.SchemaVersion.select(pw.fn.MAX(tables.SchemaVersion.version)).scalar() or 0


def migrate(db: pw.Database) -> int:
    """Apply pending migrations, each in its own transaction; returns the schema version."""
    version = current_version(db)
    if version > SCHEMA_VERSION:
        raise RuntimeError(f"The database is at schema {version}, newer than this NeuroCanvas ({SCHEMA_VERSION}).")
    for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
        with db.atomic():
            step(db)
            tables.SchemaVersion.create(version=number)
        log.info("applied migration %d (%s)", number, step.__name__)
    return SCHEMA_VERSION

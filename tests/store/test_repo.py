import errno
import hashlib
import sqlite3
from pathlib import Path

import pytest
from PIL import Image

from neurocanvas.store import NotFound, StoreError, open_store
from neurocanvas.store.images import PARAMETERS_KEY, read_png_meta
from neurocanvas.store.migrations import SCHEMA_VERSION, current_version
from neurocanvas.store.stats import StatsRepo
from neurocanvas.store.tables import Generation, Image as ImageRow


@pytest.fixture(params=["sqlite", "postgresql"])
def repo(request, tmp_path):
    """Every store test runs on SQLite (the default) and on a throwaway PostgreSQL cluster (scale-out)."""
    url = (f"sqlite:///{tmp_path / 'db.sqlite'}" if request.param == "sqlite"
           else request.getfixturevalue("postgres_cluster")())
    r = open_store(url, tmp_path / "images")
    yield r
    r.db.close()


@pytest.fixture
def sqlite_repo(tmp_path):
    r = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path / "images")
    yield r
    r.db.close()


def red(size=(16, 8)):
    return Image.new("RGB", size, (200, 10, 10))


def test_schema_is_migrated(repo):
    assert current_version(repo.db) == SCHEMA_VERSION >= 3
    columns = {c.name for c in repo.db.get_columns("generation")}
    assert {"task_id", "attempt", "priority", "estimate_s", "started_at", "history"} <= columns


def test_sqlite_is_wal_with_foreign_keys(sqlite_repo):
    assert sqlite_repo.db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert sqlite_repo.db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1


def test_users_never_see_each_others_rows(repo):
    gen = repo.create_generation("ann", "text_to_image", prompt="a fox")
    repo.save_image("ann", gen.id, red(), {"prompt": "a fox"}, model_id="m", seed=1)
    repo.add_prompt("ann", "a fox")
    assert StatsRepo(repo).profile("bob")["images"] == 0 and StatsRepo(repo).profile("bob")["prompts"] == 0
    assert repo.images("bob") == [] and repo.prompts("bob") == []
    with pytest.raises(NotFound):
        repo.generation("bob", gen.id)
    with pytest.raises(NotFound):
        repo.set_prompt_favourite("bob", repo.prompts("ann")[0].id, True)
    assert StatsRepo(repo).profile("ann")["images"] == 1
    assert StatsRepo(repo).profile("ann")["images_by_model"] == [{"model": "m", "images": 1}]
    assert StatsRepo(repo).profile("bob")["images_by_model"] == []


def test_image_is_png_with_settings_and_sha256(repo):
    meta = {"prompt": "a fox", "negative_prompt": "blurry", "num_inference_steps": 2, "seed": 7,
            "guidance_scale": 0.0, "model_id": "sd-turbo", "width": 16, "height": 8}
    row = repo.save_image(None, None, red(), meta, model_id="sd-turbo", seed=7)
    path = repo.image_path(row)
    assert path.suffix == ".png" and path.is_file()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == row.sha256
    assert read_png_meta(path) == meta
    parameters = Image.open(path).info[PARAMETERS_KEY]
    assert parameters.startswith("a fox\nNegative prompt: blurry\nSteps: 2")
    assert "Seed: 7" in parameters and "Size: 16x8" in parameters
    assert not list(path.parent.glob(".part-*"))


def test_disk_full_saves_nothing(repo, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("neurocanvas.store.images.os.fsync", full)
    with pytest.raises(StoreError, match="disk .* is full"):
        repo.save_image(None, None, red(), {"prompt": "x"})
    assert ImageRow.select().count() == 0
    assert [p for p in repo.images_dir.rglob("*") if p.is_file()] == []


def test_database_locked_gives_message_and_changes_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    repo = open_store(url, tmp_path / "images")
    repo.add_prompt(None, "kept")
    repo.db.close()
    from neurocanvas.store.db import connect

    connect(url, busy_timeout_ms=50)
    other = sqlite3.connect(tmp_path / "db.sqlite")
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="busy"):
            repo.add_prompt(None, "lost?")
    finally:
        other.rollback()
        other.close()
    assert [p.text for p in repo.prompts(None)] == ["kept"]
    repo.db.close()


def test_long_prompts_are_bounded(repo):
    row = repo.add_prompt(None, "x" * 10_000)
    assert len(row.text) == 2000


def test_unknown_status_is_refused(repo):
    gen = repo.create_generation(None, "text_to_image")
    with pytest.raises(ValueError, match="Unknown job status"):
        repo.set_generation_status(None, gen.id, "exploded")
    assert repo.generation(None, gen.id).status == "queued"


def test_unreadable_data_folder_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="Cannot create the data folder"):
        open_store(f"sqlite:///{blocker / 'sub' / 'db.sqlite'}", tmp_path / "images")


def test_user_settings_round_trip(repo):
    repo.update_user_settings("ann", {"algorithm": "ucb1"})
    assert repo.update_user_settings("ann", {"epsilon": 0.1}) == {"algorithm": "ucb1", "epsilon": 0.1}
    assert repo.user_settings("bob") == {}


def test_a_batch_is_saved_whole_or_not_at_all(repo, monkeypatch):
    gen = repo.create_generation(None, "text_to_image")
    calls = {"n": 0}
    real = __import__("neurocanvas.store.images", fromlist=["save_png"]).save_png

    def fail_on_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise StoreError("The disk holding images is full: the image was not saved.")
        return real(*args, **kwargs)

    monkeypatch.setattr("neurocanvas.store.images.save_png", fail_on_second)
    with pytest.raises(StoreError, match="full"):
        repo.save_images(None, gen.id, [(red(), {"seed": s}, "m", s) for s in range(3)])
    assert repo.generation_images(None, gen.id) == []
    assert [p for p in repo.images_dir.rglob("*") if p.is_file()] == []


def test_gallery_pages_stay_indexed_at_ten_thousand_images(sqlite_repo):
    repo = sqlite_repo
    from neurocanvas.store.tables import Image as Row
    from neurocanvas.store.tables import now

    owner = repo.user("ann")
    stamp = now()
    with repo.db.atomic():
        Row.insert_many([{"user": owner.id, "path": f"x/{i}.png", "width": 8, "height": 8, "sha256": "0" * 64,
                          "created_at": stamp} for i in range(10_000)]).execute()
    page = repo.images("ann", page=200, per_page=24)
    assert len(page) == 24 and page[0].id == 10_000 - 199 * 24
    sql, params = (Row.select().where((Row.user == owner) & Row.deleted_at.is_null())
                   .order_by(Row.created_at.desc()).limit(24).sql())
    plan = " ".join(str(r) for r in repo.db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall())
    assert "image_gallery" in plan  # the migration-2 index serves filter and order


def test_a_schema_2_database_gains_the_job_columns_the_share_key_and_reports(tmp_path):
    from neurocanvas.store.tables import SchemaVersion

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    repo = open_store(url, tmp_path / "images")
    kept = repo.create_generation(None, "text_to_image", prompt="before the upgrade")
    for column in ("task_id", "attempt", "priority", "estimate_s", "started_at", "history"):
        repo.db.execute_sql(f'ALTER TABLE "generation" DROP COLUMN "{column}"')
    repo.db.execute_sql('ALTER TABLE "image" DROP COLUMN "share_key"')
    repo.db.execute_sql('DROP TABLE "flag"')
    SchemaVersion.delete().where(SchemaVersion.version >= 3).execute()
    repo.db.close()

    repo = open_store(url, tmp_path / "images")
    assert current_version(repo.db) == SCHEMA_VERSION
    row = Generation.get_by_id(kept.id)
    assert row.prompt == "before the upgrade" and row.attempt == 0 and row.history == "[]"
    assert repo.save_image(None, None, red(), {"prompt": "after"}).share_key is None
    assert repo.db.table_exists("flag")
    repo.db.close()


def test_concurrent_read_then_write_transactions_never_report_busy(sqlite_repo):
    """A deferred SQLite transaction that reads then writes fails at once under a concurrent writer;
    the store starts its transactions IMMEDIATE, so they wait their turn (busy_timeout) instead."""
    import threading

    repo = sqlite_repo
    generation = repo.create_generation(None, "text_to_image")
    images = [repo.save_image(None, generation.id, red(), {"seed": i}) for i in range(8)]
    errors = []

    def react(offset: int) -> None:
        for i in range(40):
            try:
                repo.record_feedback(None, images[(i + offset) % 8].id, "rating", float(i % 5 + 1), 0.1)
            except StoreError as exc:
                errors.append(str(exc))

    threads = [threading.Thread(target=react, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_a_crash_mid_save_leaves_no_junk_after_a_restart(tmp_path):
    """Issue 14: a kill -9 while a batch was saved left .part files and PNGs with no row, served forever."""
    import os
    import subprocess
    import sys
    import time

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    repo = open_store(url, tmp_path / "images")
    kept = repo.save_image(None, None, red(), {"prompt": "kept"})
    repo.db.close()
    script = f"""
import os, sys
sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
from PIL import Image
from neurocanvas.store import open_store, images
repo = open_store({url!r}, {str(tmp_path / 'images')!r})
real = images.write_atomic
def crash_after_two(folder, relpath, data, calls=[]):
    calls.append(relpath)
    if len(calls) == 3:  # the third file: its temp file is written, then the process dies (kill -9)
        (folder / relpath).parent.mkdir(parents=True, exist_ok=True)
        (folder / relpath).with_name(".part-crash.png").write_bytes(data[:100])
        os.kill(os.getpid(), 9)
    return real(folder, relpath, data)
images.write_atomic = crash_after_two
repo.save_images(None, None, [(Image.new("RGB", (8, 8), "red"), {{"seed": s}}, "m", s) for s in range(4)])
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == -9, proc.stderr
    files = [p for p in (tmp_path / "images").rglob("*") if p.is_file()]
    assert len(files) == 4  # the kept image, two whole PNGs without a row, one temp file
    past = time.time() - 120
    for path in files:
        os.utime(path, (past, past))

    repo = open_store(url, tmp_path / "images")  # the restart
    left = [p for p in (tmp_path / "images").rglob("*") if p.is_file()]
    assert left == [repo.image_path(repo.image(None, kept.id))]  # only the file that has a row
    assert len(list((tmp_path / "orphans").rglob("*.png"))) == 2  # whole but unrecorded: kept aside, not served
    repo.db.close()



@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    return (f"sqlite:///{tmp_path / 'db.sqlite'}" if request.param == "sqlite"
            else request.getfixturevalue("postgres_cluster")())


def test_a_schema_5_gallery_gains_image_lineage_and_keeps_its_rows(store_url, tmp_path):
    """Migration 6 on a database from before edits: the parent and edits columns are added, the images stay."""
    from playhouse.migrate import SchemaMigrator, migrate

    from neurocanvas.store.tables import SchemaVersion

    old = open_store(store_url, tmp_path / "images")
    row = old.save_image("ann", None, red(), {"prompt": "a fox"}, model_id="m", seed=1)
    migrator = SchemaMigrator.from_database(old.db)
    legacy = {"legacy": True} if store_url.startswith("sqlite") else {}  # SQLite rebuilds the table (a self FK)
    migrate(migrator.drop_index("image", "image_parent_id"), migrator.drop_column("image", "parent_id", **legacy),
            migrator.drop_column("image", "edits", **legacy))
    SchemaVersion.delete().where(SchemaVersion.version >= 6).execute()
    assert {"parent_id", "edits"}.isdisjoint(c.name for c in old.db.get_columns("image"))
    old.db.close()

    again = open_store(store_url, tmp_path / "images")
    assert current_version(again.db) == SCHEMA_VERSION
    kept = again.image("ann", row.id)
    assert kept.sha256 == row.sha256 and kept.parent_id is None and kept.edits == "[]"
    child = again.save_image("ann", None, red(), {"prompt": "a fox"}, parent_id=row.id, edits=[{"op": "flip"}])
    assert again.image("ann", child.id).parent_id == row.id
    again.db.close()

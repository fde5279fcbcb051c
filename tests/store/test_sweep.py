"""What the studio throws away on its schedule: files of images deleted past the undo window, old temp files."""
import datetime as dt
import os
import time

import pytest
from PIL import Image

from neurocanvas.store import NotFound, open_store
from neurocanvas.store.sweep import PURGED, purge_deleted, sweep_temp
from neurocanvas.store.tables import Feedback, Image as ImageRow, now

DAY = 24 * 3600


@pytest.fixture
def repo(tmp_path):
    r = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path / "images")
    yield r
    r.db.close()


def _deleted(repo, age_s: float, liked: bool = False):
    row = repo.save_image(None, None, Image.new("RGB", (8, 8), "red"), {"prompt": "x"})
    if liked:
        repo.record_feedback(None, row.id, "like", 1, 1.0)
    repo.delete_image(None, row.id)
    ImageRow.update(deleted_at=now() - dt.timedelta(seconds=age_s)).where(ImageRow.id == row.id).execute()
    return row


def test_only_images_deleted_past_the_window_lose_their_file_and_keep_their_feedback(repo):
    old, recent = _deleted(repo, 2 * DAY, liked=True), _deleted(repo, 3600)
    live = repo.save_image(None, None, Image.new("RGB", (8, 8), "blue"), {"prompt": "y"})
    old_file, recent_file = repo.image_path(old), repo.image_path(recent)

    assert purge_deleted(repo.images_dir, DAY) == 1
    assert not old_file.exists() and recent_file.exists() and repo.image_path(live).exists()
    assert ImageRow.get_by_id(old.id).path == PURGED
    assert Feedback.select().where(Feedback.image == old.id).count() == 1  # what it taught stays
    with pytest.raises(NotFound, match="undo window"):
        repo.restore_image(None, old.id)
    assert repo.restore_image(None, recent.id).deleted_at is None
    assert purge_deleted(repo.images_dir, DAY) == 0  # nothing twice


def test_an_undo_that_wins_the_race_keeps_the_file(repo, monkeypatch):
    old = _deleted(repo, 2 * DAY)
    real_update = ImageRow.update

    def undo_first(*args, **kwargs):  # the user presses Undo between the purge's read and its write
        if "path" in kwargs:
            real_update(deleted_at=None).where(ImageRow.id == old.id).execute()
        return real_update(*args, **kwargs)

    monkeypatch.setattr(ImageRow, "update", undo_first)
    assert purge_deleted(repo.images_dir, DAY) == 0
    monkeypatch.undo()
    assert repo.image_path(repo.image(None, old.id)).exists()


def test_old_temp_files_and_their_empty_folders_go(tmp_path):
    tmp = tmp_path / "tmp"
    old, new = tmp / "a" / "photo.png", tmp / "b" / "photo.png"
    for path in (old, new):
        path.parent.mkdir(parents=True)
        path.write_bytes(b"x")
    past = time.time() - 7 * 3600
    for path in (old, old.parent):
        os.utime(path, (past, past))
    assert sweep_temp(tmp, 6 * 3600) == 1
    assert not old.parent.exists() and new.exists() and tmp.is_dir()

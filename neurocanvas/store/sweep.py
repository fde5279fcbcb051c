"""What the studio throws away: a crash's leftovers at start-up, then on a schedule expired deletes and temp files.

A save writes each PNG (via a `.part-*` temp file and a rename), then all rows in one transaction. A crash
in between leaves temp files, or whole PNGs that no row names. Temp files are removed; whole PNGs without a
row are moved to `orphans/` beside the images folder (outside what is served), where nothing is lost.

An image deleted longer ago than the undo window loses its file; its row stays, with no path, because the
feedback that taught the bandits points at it (the arm statistics are rebuilt from that history).
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import re
import time
from pathlib import Path

from neurocanvas.store.tables import Image, now

log = logging.getLogger(__name__)
PURGED = ""  # the path of an image whose file was removed after the undo window
SAVED = re.compile(r"u\d+/\d{4}-\d{2}/[0-9a-f]{32}\.png")  # what Repo.save_images writes (images.save_png)


def sweep_images(images_dir: Path, older_than_s: float = 60.0) -> dict[str, int]:
    """Remove temp files and move PNGs without a row; files younger than `older_than_s` may be a save in flight."""
    images_dir = Path(images_dir)
    if not images_dir.is_dir():
        return {"temp_removed": 0, "orphans_moved": 0}
    known = {path for (path,) in Image.select(Image.path).tuples()}
    cutoff = time.time() - older_than_s
    orphans = images_dir.parent / "orphans"
    removed = moved = 0
    for path in images_dir.rglob("*"):
        if not path.is_file() or path.stat().st_mtime > cutoff:
            continue
        relpath = path.relative_to(images_dir).as_posix()
        if path.name.startswith(".part-"):
            path.unlink(missing_ok=True)
            removed += 1
        elif SAVED.fullmatch(relpath) and relpath not in known:  # exports and other files are not the store's saves
            target = orphans / relpath
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            moved += 1
    if removed or moved:
        log.warning("start-up sweep: %d unfinished temp file(s) removed, %d image(s) without a row moved to %s",
                    removed, moved, orphans)
    return {"temp_removed": removed, "orphans_moved": moved}


def purge_deleted(images_dir: Path, older_than_s: float) -> int:
    """Files of images deleted more than `older_than_s` ago are removed; each row stays, marked purged (no path)."""
    cutoff = now() - dt.timedelta(seconds=older_than_s)
    expired = list(Image.select(Image.id, Image.path).where(
        Image.deleted_at.is_null(False) & (Image.deleted_at < cutoff) & (Image.path != PURGED)).limit(500))
    purged = 0
    for row in expired:  # the row first, only if still deleted (an Undo may have just won); a crash before the
        # file goes leaves it without a row, and the start-up sweep moves it out of what is served
        if Image.update(path=PURGED).where((Image.id == row.id) & Image.deleted_at.is_null(False)).execute():
            (Path(images_dir) / row.path).unlink(missing_ok=True)
            purged += 1
    if purged:
        log.info("purged the files of %d image(s) deleted more than %.1f h ago", purged, older_than_s / 3600)
    return purged


def sweep_temp(tmp_dir: Path, older_than_s: float) -> int:
    """Uploads and served copies older than `older_than_s`, then the folders they leave empty."""
    tmp_dir = Path(tmp_dir)
    if not tmp_dir.is_dir():
        return 0
    cutoff = time.time() - older_than_s
    removed = 0
    entries = []
    for path in tmp_dir.rglob("*"):
        try:  # each age read before anything goes: removing a file makes its folder look new
            entries.append((path, path.stat()))
        except OSError:
            continue
    for path, stat in sorted(entries, key=lambda e: len(e[0].parts), reverse=True):  # files before their folders
        if stat.st_mtime >= cutoff:
            continue
        try:
            if path.is_dir():
                if not any(path.iterdir()):
                    path.rmdir()
            else:
                path.unlink()
                removed += 1
        except OSError:  # in use, or already gone: the next pass sees it
            continue
    return removed

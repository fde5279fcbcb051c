"""At start-up: what a crash mid-save left in the images folder goes, so the file route never serves it.

A save writes each PNG (via a `.part-*` temp file and a rename), then all rows in one transaction. A crash
in between leaves temp files, or whole PNGs that no row names. Temp files are removed; whole PNGs without a
row are moved to `orphans/` beside the images folder (outside what is served), where nothing is lost.
"""
from __future__ import annotations

import logging
import os
import re
import time
from pathlib import Path

from neurocanvas.store.tables import Image

log = logging.getLogger(__name__)
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

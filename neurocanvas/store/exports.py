"""Bulk download: the user's picked images as one zip, each PNG exactly as saved (its settings inside) plus an
index.json that says what each file is, for people and scripts alike."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from neurocanvas.store.images import read_png_meta
from neurocanvas.store.repo import Repo

MAX_ZIP_IMAGES = 200
ZIP_NAME = "gallery-selection.zip"  # one per user: the next zip replaces it, so the exports folder cannot pile up


def zip_images(repo: Repo, user: str | None, image_ids: list[int]) -> tuple[Path, int]:
    """(the zip in the user's exports, how many images); every id must be one of the user's live images."""
    ids = list(dict.fromkeys(image_ids))
    if not ids:
        raise ValueError("Tick the images to download first.")
    if len(ids) > MAX_ZIP_IMAGES:
        raise ValueError(f"A zip holds up to {MAX_ZIP_IMAGES} images; {len(ids)} are ticked.")
    rows = [repo.image(user, image_id) for image_id in ids]  # another user's id, or a deleted one, stops it here
    buffer, index = io.BytesIO(), []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # PNGs are compressed already
        for row in rows:
            path, name = repo.image_path(row), f"image-{row.id}.png"
            archive.write(path, name)
            index.append({"file": name, "id": row.id, "model_id": row.model_id, "seed": row.seed,
                          "width": row.width, "height": row.height, "sha256": row.sha256,
                          "created": row.created_at.isoformat(timespec="seconds"), "parent_id": row.parent_id,
                          "favourite": row.favourite, "settings": read_png_meta(path)})
        archive.writestr("index.json", json.dumps({"images": index}, indent=2, ensure_ascii=False))
    return repo.write_export(user, ZIP_NAME, buffer.getvalue()), len(rows)

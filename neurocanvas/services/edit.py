"""Editing a gallery image: previews of its steps, and saving the result as a new image linked to it.

Light work (PIL on one image, milliseconds), so it runs in the request, not the job queue. The original is
never written: an edit is a new row that names its parent and keeps its steps, which is what undo replays.
"""
from __future__ import annotations

import io
import json

from PIL import Image

from neurocanvas import __version__
from neurocanvas.engines import image_edit
from neurocanvas.store import Repo
from neurocanvas.store.images import read_png_meta
from neurocanvas.store.tables import Image as ImageRow

PREVIEW_SIDE = 768  # the preview is cut from a copy this size: crops are fractions, so it matches the saved image


class EditService:
    def __init__(self, repo: Repo) -> None:
        self.repo = repo

    def source(self, user: str, image_id: int) -> tuple[ImageRow, list[dict]]:
        """What an edit starts from: an edited image reopens as its parent with its steps (so any step can be
        undone); any other image as itself with none."""
        row = self.repo.image(user, image_id)
        steps = json.loads(row.edits or "[]")
        if steps and row.parent_id is not None:
            try:
                return self.repo.image(user, row.parent_id), steps
            except LookupError:  # the parent was deleted: the edited image is the new start
                pass
        return row, []

    def _open(self, row: ImageRow) -> Image.Image:
        with Image.open(self.repo.image_path(row)) as image:
            return image.convert("RGB")

    def preview(self, user: str, image_id: int, steps: list) -> Image.Image:
        steps = image_edit.check_steps(steps)
        image = self._open(self.repo.image(user, image_id))
        if not any(step["op"] == "resize" for step in steps):
            image.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
        return image_edit.apply(image, steps)

    def preview_file(self, user: str, image_id: int, steps: list) -> str:
        """The preview as a PNG in the user's exports (one per source image, overwritten), for the client API."""
        buffer = io.BytesIO()
        self.preview(user, image_id, steps).save(buffer, format="PNG")
        return str(self.repo.write_export(user, f"edit-preview-{image_id}.png", buffer.getvalue()))

    def save(self, user: str, image_id: int, steps: list) -> ImageRow:
        """A new gallery image: the parent's settings plus `parent_id` and `edits` in the PNG and the row."""
        steps = image_edit.check_steps(steps)
        if not steps:
            raise image_edit.InvalidEdit("There is nothing to save: add a step (crop, rotate, adjust...) first.")
        parent = self.repo.image(user, image_id)
        edited = image_edit.apply(self._open(parent), steps)
        meta = {**read_png_meta(self.repo.image_path(parent)), "parent_id": parent.id, "edits": steps,
                "generator": f"NeuroCanvas {__version__}"}
        return self.repo.save_image(user, None, edited, meta, model_id=parent.model_id, seed=parent.seed,
                                    parent_id=parent.id, edits=steps)

"""Edit: the Profile gallery's picked image cropped, resized, rotated, flipped and adjusted, saved as a new image.

The tab keeps the image being edited and its steps in gr.State; each button adds one step, Undo drops the last,
and every change answers with a fresh preview. The client API takes the same steps as a JSON list.
"""
from __future__ import annotations

from typing import Any

import gradio as gr
from gradio.data_classes import FileData
from PIL import Image

from neurocanvas.context import AppContext
from neurocanvas.engines import image_edit
from neurocanvas.handlers.common import row_id, user_errors, user_of
from neurocanvas.services.edit import EditService

Outputs = tuple[Any, list, str]  # (preview, steps, the steps as text)


def steps_text(steps: list[dict]) -> str:
    if not steps:
        return "No edit yet: the preview is the original."
    return "Steps: " + "; ".join(f"{i}. {image_edit.describe(s)}" for i, s in enumerate(steps, start=1))


class EditHandler:
    def __init__(self, ctx: AppContext) -> None:
        self.edits = EditService(ctx.repo)

    def open(self, image_id: float, request: gr.Request) -> tuple[Image.Image, int, list, str]:
        """Start editing the picked image (an edited one reopens as its parent with its steps)."""
        with user_errors():
            row, steps = self.edits.source(user_of(request), row_id(image_id, "an image to edit"))
            return self.edits.preview(user_of(request), row.id, steps), row.id, steps, steps_text(steps)

    def _with(self, source: Any, steps: list | None, step: dict, request: gr.Request) -> Outputs:
        with user_errors():
            steps = image_edit.check_steps([*(steps or []), step])
            preview = self.edits.preview(user_of(request), row_id(source, "an image to edit (press Edit)"), steps)
            return preview, steps, steps_text(steps)

    def rotate(self, source: Any, steps: list, degrees: Any, request: gr.Request) -> Outputs:
        return self._with(source, steps, {"op": "rotate", "degrees": degrees}, request)

    def rotate_left(self, source: Any, steps: list, request: gr.Request) -> Outputs:
        return self.rotate(source, steps, 90, request)

    def rotate_right(self, source: Any, steps: list, request: gr.Request) -> Outputs:
        return self.rotate(source, steps, -90, request)

    def flip(self, source: Any, steps: list, axis: str, request: gr.Request) -> Outputs:
        return self._with(source, steps, {"op": "flip", "axis": axis}, request)

    def mirror(self, source: Any, steps: list, request: gr.Request) -> Outputs:
        return self.flip(source, steps, "horizontal", request)

    def upside_down(self, source: Any, steps: list, request: gr.Request) -> Outputs:
        return self.flip(source, steps, "vertical", request)

    def crop(self, source: Any, steps: list, ratio: str, left: float, top: float, width: float, height: float,
             request: gr.Request) -> Outputs:
        """The box in percent of the current image, as the sliders show it."""
        with user_errors():
            box = {k: float(v) / 100 for k, v in (("left", left), ("top", top), ("width", width), ("height", height))}
        return self._with(source, steps, {"op": "crop", "ratio": ratio, **box}, request)

    def resize(self, source: Any, steps: list, width: Any, height: Any, request: gr.Request) -> Outputs:
        return self._with(source, steps, {"op": "resize", "width": width, "height": height}, request)

    def adjust(self, source: Any, steps: list, brightness: float, contrast: float, saturation: float,
               sharpness: float, request: gr.Request) -> Outputs:
        factors = {"brightness": brightness, "contrast": contrast, "saturation": saturation, "sharpness": sharpness}
        return self._with(source, steps, {"op": "adjust", **factors}, request)

    def live(self, source: Any, steps: list, brightness: float, contrast: float, saturation: float,
             sharpness: float, request: gr.Request) -> Image.Image | None:
        """The preview while a slider moves: the adjustment shown, not yet a step."""
        if not source:
            return None
        return self.adjust(source, steps, brightness, contrast, saturation, sharpness, request)[0]

    def undo(self, source: Any, steps: list, request: gr.Request) -> Outputs:
        with user_errors():
            steps = list(steps or [])[:-1]
            return (self.edits.preview(user_of(request), row_id(source, "an image to edit (press Edit)"), steps),
                    steps, steps_text(steps))

    def save(self, source: Any, steps: list, request: gr.Request) -> tuple[str, int]:
        with user_errors():
            row = self.edits.save(user_of(request), row_id(source, "an image to edit (press Edit)"), steps or [])
            return (f"Saved as image #{row.id}, made from image #{row.parent_id} with {len(steps)} step(s); the "
                    "original is unchanged. Edit it again to undo a step."), row.id

    # the client API: the same steps as a JSON list ----------------------------------------------------
    def api_preview(self, image_id: int, steps: list, request: gr.Request) -> dict:
        """The image with the steps applied, as a PNG file the client downloads (at most 768 px unless a step
        resizes it)."""
        with user_errors():
            path = self.edits.preview_file(user_of(request), row_id(image_id, "an image to edit"), steps)
            return FileData(path=path, orig_name=f"edit-preview-{image_id}.png").model_dump()

    def api_save(self, image_id: int, steps: list, request: gr.Request) -> dict:
        """Save `image_id` with `steps` as a new gallery image; returns its id and its parent's."""
        with user_errors():
            row = self.edits.save(user_of(request), row_id(image_id, "an image to edit"), steps)
            return {"id": row.id, "parent_id": row.parent_id, "steps": steps, "size": [row.width, row.height]}

    def api_reopen(self, image_id: int, request: gr.Request) -> dict:
        """What editing `image_id` starts from: an edited image gives its parent and its steps (undo = drop some)."""
        with user_errors():
            row, steps = self.edits.source(user_of(request), row_id(image_id, "an image to edit"))
            return {"source_id": row.id, "steps": steps}

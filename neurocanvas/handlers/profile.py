"""Profile: the user's statistics, gallery (filters, sort, delete with undo, downloads) and history."""
from __future__ import annotations

import datetime as dt
import io

import gradio as gr
from PIL import Image

from neurocanvas.context import AppContext
from neurocanvas.handlers.common import row_id, seed_text, user_errors, user_of
from neurocanvas.store.images import read_png_meta

HISTORY = ["job", "kind", "status", "models", "prompt", "seconds", "created"]

PAGE_SIZE = 24
SORTS = ["newest", "oldest", "rating", "clip"]
KINDS = {"": "all tabs", "text_to_image": "Text to image", "style_transfer": "Style transfer"}
FORMATS = {"PNG": "png", "JPEG": "jpg", "WebP": "webp"}


def _date(text: str, name: str) -> dt.datetime | None:
    if not (text or "").strip():
        return None
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m-%d")
    except ValueError:
        raise ValueError(f"{name} must be a date like 2026-11-25, not {text!r}.") from None


class ProfileHandler:
    def __init__(self, ctx: AppContext) -> None:
        self.repo = ctx.repo

    def profile(self, request: gr.Request) -> dict:
        with user_errors():
            return self.repo.profile(user_of(request))

    def gallery(self, page: float, model_id: str, kind: str, favourites: bool, since: str, until: str, sort: str,
                request: gr.Request) -> list[tuple[str, str]]:
        """A page of the user's images, each captioned '#id · model · seed' (the id is what the buttons use)."""
        with user_errors():
            page = int(page or 1)
            if page < 1:
                raise ValueError("Pages start at 1.")
            end = _date(until, "Until")
            rows = self.repo.images(user_of(request), page=page, per_page=PAGE_SIZE, favourites=bool(favourites),
                                    model_id=model_id or "", kind=kind or "", since=_date(since, "From"),
                                    until=end + dt.timedelta(days=1) if end else None, sort=sort or "newest")
            return [(str(self.repo.image_path(r)),
                     f"#{r.id} · {r.model_id or 'image'}{seed_text(r.seed)}" + (" · ★" if r.favourite else ""))
                    for r in rows]

    def details(self, image_id: float, request: gr.Request) -> dict:
        """What the lightbox shows beside a picked image: its settings, scores and the user's reactions."""
        user = user_of(request)
        with user_errors():
            if not image_id:
                return {}
            row = self.repo.image(user, row_id(image_id, "an image"))
            return {"id": row.id, "model": row.model_id, "seed": row.seed, "size": f"{row.width}x{row.height}",
                    "created": row.created_at.strftime("%Y-%m-%d %H:%M"), "favourite": row.favourite,
                    "clip_score": row.clip_score, "your_reactions": self.repo.image_feedback(user, row.id),
                    "settings": read_png_meta(self.repo.image_path(row))}

    def history(self, request: gr.Request) -> list[list]:
        with user_errors():
            return [list(r) for r in self.repo.history(user_of(request))]

    def first_page(self, request: gr.Request) -> list[tuple[str, str]]:
        return self.gallery(1, "", "", False, "", "", "newest", request)

    def delete(self, image_id: float, request: gr.Request) -> tuple[str, int]:
        with user_errors():
            if not image_id:
                raise ValueError("Pick an image first.")
            row = self.repo.delete_image(user_of(request), row_id(image_id, "an image"))
            return f"Image #{row.id} deleted. Press Undo to bring it back.", row.id

    def restore(self, image_id: float, request: gr.Request) -> str:
        with user_errors():
            if not image_id:
                raise ValueError("Nothing to undo.")
            row = self.repo.restore_image(user_of(request), row_id(image_id, "an image"))
            return f"Image #{row.id} is back."

    def download(self, image_id: float, fmt: str, request: gr.Request) -> str:
        """The image as PNG (with its settings), JPEG or WebP; converted copies go to the user's exports."""
        user = user_of(request)
        with user_errors():
            if not image_id:
                raise ValueError("Pick an image first.")
            if fmt not in FORMATS:
                raise ValueError(f"Choose a format: {', '.join(FORMATS)}.")
            row = self.repo.image(user, row_id(image_id, "an image"))
            source = self.repo.image_path(row)
            if fmt == "PNG":
                return str(source)
            buffer = io.BytesIO()
            with Image.open(source) as image:
                image.convert("RGB").save(buffer, format=fmt, quality=92)
            return str(self.repo.write_export(user, f"image-{row.id}.{FORMATS[fmt]}", buffer.getvalue()))

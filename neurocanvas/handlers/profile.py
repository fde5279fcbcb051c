"""Profile: the user's statistics, gallery (filters, sort, delete with undo, downloads) and history."""
from __future__ import annotations

import datetime as dt
import io
from typing import Any

import gradio as gr
from gradio.data_classes import FileData
from PIL import Image

from neurocanvas.context import AppContext
from neurocanvas.handlers.common import row_id, seed_text, user_errors, user_of
from neurocanvas.store.exports import zip_images
from neurocanvas.store.images import read_png_meta
from neurocanvas.store.stats import StatsRepo

HISTORY = ["job", "kind", "status", "models", "prompt", "seconds", "created"]

PAGE_SIZE = 24
SORTS = ["newest", "oldest", "rating", "clip"]
KINDS = {"": "all tabs", "text_to_image": "Text to image", "style_transfer": "Style transfer"}
FORMATS = {"PNG": "png", "JPEG": "jpg", "WebP": "webp"}


def _caption(row: Any) -> str:
    return f"#{row.id} · {row.model_id or 'image'}{seed_text(row.seed)}" + (" · ★" if row.favourite else "")


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
        self.stats = StatsRepo(ctx.repo)

    def profile(self, request: gr.Request) -> dict:
        with user_errors():
            return self.stats.profile(user_of(request))

    def gallery(self, page: float, model_id: str, kind: str, favourites: bool, since: str, until: str, sort: str,
                request: gr.Request) -> list[tuple[str, str]]:
        """A page of the user's images, each captioned '#id · model · seed' (the id is what the buttons use)."""
        with user_errors():
            rows = self._page(user_of(request), page, model_id, kind, favourites, since, until, sort)
            return [(str(self.repo.image_path(r)), _caption(r)) for r in rows]

    def selectable(self, page: float, model_id: str, kind: str, favourites: bool, since: str, until: str, sort: str,
                   ticked: bool, request: gr.Request) -> dict:
        """The same page's images as ticks for a zip: none ticked, or (`ticked`) all of them."""
        with user_errors():
            rows = self._page(user_of(request), page, model_id, kind, favourites, since, until, sort)
            return gr.update(choices=[(_caption(r), r.id) for r in rows], value=[r.id for r in rows] if ticked else [])

    def _page(self, user: str, page: float, model_id: str, kind: str, favourites: bool, since: str, until: str,
              sort: str) -> list:
        page = int(page or 1)
        if page < 1:
            raise ValueError("Pages start at 1.")
        end = _date(until, "Until")
        return self.repo.images(user, page=page, per_page=PAGE_SIZE, favourites=bool(favourites),
                                model_id=model_id or "", kind=kind or "", since=_date(since, "From"),
                                until=end + dt.timedelta(days=1) if end else None, sort=sort or "newest")

    def download_zip(self, image_ids: list[int], request: gr.Request) -> tuple[str, str]:
        """(the zip of the ticked images, a line saying what it holds)."""
        with user_errors():
            ids = [row_id(i, "an image") for i in image_ids or []]
            path, count = zip_images(self.repo, user_of(request), ids)
            return str(path), f"{count} image(s) zipped, each PNG with its settings, plus index.json."

    def api_download_zip(self, image_ids: list[int], request: gr.Request) -> dict:
        """The ticked images (ids) as one zip file the client downloads: each PNG with its settings, and index.json."""
        path, _ = self.download_zip(image_ids, request)
        return FileData(path=path, orig_name="neurocanvas-images.zip").model_dump()

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

    def details_table(self, image_id: float, request: gr.Request) -> list[list]:
        """The same as labelled rows, for the page."""
        return details_rows(self.details(image_id, request))

    def history(self, request: gr.Request) -> list[list]:
        with user_errors():
            return [list(r) for r in self.stats.history(user_of(request))]

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


def stats_text(stats: dict | None) -> str:
    """The `profile` answer as the few numbers a person reads."""
    if not stats:
        return "Your statistics appear here when this tab opens."
    jobs = stats.get("jobs", {})
    average = stats.get("average_job_seconds")
    lines = [f"**{stats['images']}** images · **{stats['prompts']}** prompts ({stats['favourite_prompts']} favourite) · "
             f"**{stats['feedback']}** reactions",
             f"Jobs: {jobs.get('done', 0)} done, {jobs.get('failed', 0)} failed, {jobs.get('cancelled', 0)} stopped, "
             f"{jobs.get('queued', 0) + jobs.get('running', 0)} waiting or running"
             + (f" · a finished job takes {average:.1f} s on average" if average else ""),
             f"Favourite model: **{stats.get('favourite_model') or 'none yet'}** · Most used styles: "
             + (", ".join(stats.get("most_used_styles") or []) or "none yet"),
             f"Member since {stats['member_since']}."]
    return "  \n".join(lines)


def models_frame(stats: dict | None):
    """Images per model, for the Stats bar chart."""
    import pandas as pd

    return pd.DataFrame((stats or {}).get("images_by_model") or [], columns=["model", "images"])


def details_rows(details: dict) -> list[list]:
    """A picked image's details as (label, value) rows: its facts first, then every setting it was made with."""
    if not details:
        return []
    score = details.get("clip_score")
    rows = [["Image", f"#{details['id']}"], ["Model", details.get("model") or "-"],
            ["Seed", "-" if details.get("seed") is None else str(details["seed"])], ["Size", details["size"]],
            ["Created", details["created"]], ["Favourite", "yes" if details.get("favourite") else "no"],
            ["CLIP score", "-" if score is None else f"{score:.3f}"],
            ["Your reactions", ", ".join(details.get("your_reactions") or []) or "none yet"]]
    for key, value in (details.get("settings") or {}).items():
        if key in ("seed",) or value in (None, "", []):
            continue
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        rows.append([key.replace("_", " ").capitalize(), shown[:500]])
    return rows

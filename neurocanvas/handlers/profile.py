"""Profile: the user's statistics, gallery and the launch settings."""
from __future__ import annotations

import gradio as gr

from neurocanvas.context import AppContext
from neurocanvas.handlers.common import user_errors, user_of

PAGE_SIZE = 24


class ProfileHandler:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.repo = ctx.repo

    def profile(self, request: gr.Request) -> dict:
        with user_errors():
            return self.repo.profile(user_of(request))

    def gallery(self, page: float, request: gr.Request) -> list[tuple[str, str]]:
        """A page of the user's images, newest first, each with a short caption."""
        with user_errors():
            page = int(page or 1)
            if page < 1:
                raise ValueError("Pages start at 1.")
            rows = self.repo.images(user_of(request), page=page, per_page=PAGE_SIZE)
            return [(str(self.repo.image_path(r)), f"#{r.id} · {r.model_id or 'image'} · seed {r.seed}") for r in rows]

    def settings(self) -> dict:
        return self.ctx.settings.public_view()

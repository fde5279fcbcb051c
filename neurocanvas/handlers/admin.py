"""The owner's admin tab: users and their usage, the studio's jobs, errors, timings and disk, and the reports
users raise on shared images. Everyone else may only raise a report."""
from __future__ import annotations

from urllib.parse import urlparse

import gradio as gr

from neurocanvas.context import AppContext
from neurocanvas.handlers.common import row_id, user_errors, user_of
from neurocanvas.store.flags import FlagsRepo
from neurocanvas.store.usage import UsageRepo

USER_COLUMNS = ["user", "images", "shared", "prompts", "feedback", "jobs", "active", "failed", "disk_mb", "last_job",
                "member_since"]
FLAG_COLUMNS = ["id", "image_id", "owner", "reporter", "reason", "note", "reports", "at", "link"]
SETTLE_ACTIONS = ("dismiss", "stop sharing")
OWNER_ONLY = "Only the studio's owner (--admin, else the first --auth user) can see the admin tab."


class AdminHandler:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.settings = ctx.settings
        self.usage = UsageRepo(ctx.repo)
        self.flags = FlagsRepo(ctx.repo)

    def is_owner(self, request: gr.Request) -> bool:
        return self.settings.is_owner(user_of(request))

    def _owner(self, request: gr.Request) -> str:
        user = user_of(request)
        if not self.settings.is_owner(user):
            raise ValueError(OWNER_ONLY)
        return user

    def dashboard(self, request: gr.Request) -> dict:
        """System figures: jobs by status, the latest errors, median timings, disk, models in memory, open reports."""
        with user_errors():
            self._owner(request)
            return {"jobs": self.usage.jobs(), "disk": self.usage.disk(self.settings.data_dir, self.settings.tmp_dir),
                    "models_in_memory": self.ctx.registry.loaded_ids(), "open_reports": self.flags.open_count()}

    def users(self, request: gr.Request) -> dict:
        with user_errors():
            self._owner(request)
            rows = self.usage.users()
            return {"headers": USER_COLUMNS, "data": [[row[c] for c in USER_COLUMNS] for row in rows]}

    def reports(self, request: gr.Request) -> dict:
        """Open reports, each with the image's share link while it is still shared (to look before settling)."""
        with user_errors():
            self._owner(request)
            rows = []
            for flag in self.flags.open_flags():
                key = flag["share_key"]
                flag["link"] = self.ctx.shares.link(flag["image_id"], flag["sha256"], key) if key else ""
                rows.append([flag[c] for c in FLAG_COLUMNS])
            return {"headers": FLAG_COLUMNS, "data": rows}

    def settle(self, flag_id: float, action: str, request: gr.Request) -> str:
        with user_errors():
            owner = self._owner(request)
            if action not in SETTLE_ACTIONS:
                raise ValueError(f"Choose what to do: {' or '.join(SETTLE_ACTIONS)}.")
            number = row_id(flag_id, "a report")
            count = self.flags.settle(number, action == "stop sharing", owner)
            also = f" (with {count - 1} other report{'s' if count > 2 else ''} on the same image)" if count > 1 else ""
            if action == "stop sharing":
                return f"Report #{number} settled{also}: the image is no longer shared and its links no longer open."
            return f"Report #{number} dismissed{also}: the image stays shared."

    def report(self, link: str, reason: str, note: str, request: gr.Request) -> str:
        """Anyone logged in may report a shared image by its link; the owner sees it in the admin tab."""
        with user_errors():
            image_id = self._shared_image(link or "")
            _, new = self.flags.raise_flag(user_of(request), image_id, reason, note or "")
            if not new:
                return f"You have already reported image #{image_id}; the studio's owner will look at it."
            return f"Thanks: image #{image_id} is reported ({reason}); the studio's owner will look at it."

    def _shared_image(self, link: str) -> int:
        """The image a share link of this studio opens; anything else is refused in the same words."""
        opened = self.ctx.shares.opened(urlparse(link.strip()).path, self.ctx.files.shared) if len(link) < 2000 else None
        if opened is None:
            raise ValueError("That is not a working share link of this studio (it may have been unshared). "
                             "Paste the whole link, as Share gave it.")
        return opened[0]


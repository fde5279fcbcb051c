"""Settings: each user's default models, and the running studio's CPU threads and memory budget.

A user's defaults are saved with the user and pick the model each tab opens with. Threads and the
memory budget belong to the whole process: they apply until the studio restarts (launch flags make
them permanent), and only the studio's owner may change them: without a login the one local user, with logins the
--admin user (default: the first --auth user), wherever the studio listens.
"""
from __future__ import annotations

from typing import Any

import gradio as gr

from neurocanvas.context import AppContext
from neurocanvas.handlers.common import user_errors, user_of
from neurocanvas.handlers.text_to_image import TextToImageHandler

MAX_THREADS = 256
MEMORY_GB = (0.5, 1024.0)  # the bounds --memory-budget-gb accepts


class SettingsHandler:
    def __init__(self, ctx: AppContext, t2i: TextToImageHandler, style: Any) -> None:
        self.ctx = ctx
        self.repo = ctx.repo
        self.registry = ctx.registry
        self.t2i = t2i
        self.style = style  # StyleTransferHandler: its method choices

    def settings(self, request: gr.Request) -> dict:
        """The user's own settings, what this studio runs with now, and how it was launched."""
        with user_errors():
            user = user_of(request)
            mine = self.repo.user_settings(user)
            return {"yours": {"text_to_image_model": self.t2i.default_model(user),
                              "style_method": self.style.default_method(user),
                              "algorithm": mine.get("algorithm"), "epsilon": mine.get("epsilon", 0.1)},
                    "studio": {"threads": self.registry.threads,
                               "memory_budget_gb": round(self.registry.memory_budget_mb / 1024, 2),
                               "you_may_change_it": self.is_owner(user)},
                    "launch": self._launch_view(user)}

    def _launch_view(self, user: str) -> dict:
        """How the studio was launched; the list of logins is the owner's to see (issue 14)."""
        view = self.ctx.settings.public_view()
        if not self.is_owner(user):
            view.pop("auth", None)
            view.pop("admin", None)
        return view

    def save_defaults(self, t2i_model: str, style_method: str, request: gr.Request) -> str:
        """The model Text to image opens with and the Style transfer method, for this user."""
        with user_errors():
            models = {value for _, value in self.t2i.model_choices()}
            methods = {value for _, value in self.style.method_choices()}
            if t2i_model not in models:
                raise ValueError(f"Unknown text-to-image model {t2i_model!r}; "
                                 f"choose one of {', '.join(sorted(models))}.")
            if style_method not in methods:
                raise ValueError(f"Unknown style method {style_method!r}; choose one of {', '.join(sorted(methods))}.")
            self.repo.update_user_settings(user_of(request), {"default_text_to_image": t2i_model,
                                                              "default_style_method": style_method})
            return (f"Saved: Text to image opens with **{t2i_model}**, Style transfer with **{style_method}** "
                    "(on your next visit or reload).")

    def is_owner(self, user: str) -> bool:
        return self.ctx.settings.is_owner(user)

    def apply_studio(self, threads: float, memory_gb: float, request: gr.Request) -> str:
        with user_errors():
            if not self.is_owner(user_of(request)):
                raise ValueError("Only the studio's owner (--admin, else the first --auth user) can change threads and memory.")
            if threads is None or memory_gb is None or threads != int(threads) or not 1 <= threads <= MAX_THREADS:
                raise ValueError(f"Threads must be a whole number from 1 to {MAX_THREADS}, not {threads}.")
            if not MEMORY_GB[0] <= memory_gb <= MEMORY_GB[1]:
                raise ValueError(f"The memory budget must be from {MEMORY_GB[0]} to {MEMORY_GB[1]:.0f} GB, "
                                 f"not {memory_gb}.")
            unloaded = self.registry.configure(threads=int(threads), memory_budget_mb=float(memory_gb) * 1024)
            if self.ctx.worker_process is not None:  # the jobs' own process applies them before its next job
                self.ctx.worker_process.configure(int(threads), float(memory_gb) * 1024)
            note = f" Unloaded to fit: {', '.join(unloaded)}." if unloaded else ""
            return (f"This studio now uses {int(threads)} threads and a {float(memory_gb):g} GB memory budget until it "
                    f"restarts (`--threads {int(threads)} --memory-budget-gb {float(memory_gb):g}` keeps them).{note}")

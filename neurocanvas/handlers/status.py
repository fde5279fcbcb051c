"""One line per tab: is a model for it installed, and if not, the command that installs one."""
from __future__ import annotations

from neurocanvas.context import AppContext
from neurocanvas.handlers.common import user_errors

# tab key -> (title, task whose model the tab runs)
TABS = {
    "style_transfer": ("Style transfer", "style-features"),
    "prompt_lab": ("Prompt lab", "embeddings"),
    "compare": ("Compare & vote", "ranking"),
    "director": ("Art director", "llm"),
}


class StatusHandler:
    def __init__(self, ctx: AppContext) -> None:
        self.registry = ctx.registry

    def tab_status(self, tab: str) -> str:
        with user_errors():
            if tab not in TABS:
                raise ValueError(f"Unknown tab {tab!r}.")
            title, task = TABS[tab]
            installed = self.registry.first_installed(task)
            if installed:
                models = f"model ready: {self.registry.spec(installed).name}."
            else:
                default = self.registry.specs(task)[0].id
                models = f"no model installed: run `{self.registry.install_command(default)}` or use Profile → Models."
            return f"**{title}**: {models}"

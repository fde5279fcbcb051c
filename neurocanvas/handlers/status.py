"""One line per tab: is its engine built, and is a model for it installed (and if not, how to get one)."""
from __future__ import annotations

from neurocanvas.context import AppContext
from neurocanvas.handlers.common import user_errors

# tab key -> (title, task whose model the tab runs, what is not built yet or "")
TABS = {
    "style_transfer": ("Style transfer", "style-features", ""),
    "prompt_lab": ("Prompt lab", "embeddings", ""),
    "compare": ("Compare & vote", "ranking",
                "automatic multi-model generation is not built yet (issue #7)"),
    "director": ("Art director", "llm", ""),
}


class StatusHandler:
    def __init__(self, ctx: AppContext) -> None:
        self.registry = ctx.registry

    def tab_status(self, tab: str) -> str:
        with user_errors():
            if tab not in TABS:
                raise ValueError(f"Unknown tab {tab!r}.")
            title, task, missing = TABS[tab]
            installed = self.registry.first_installed(task)
            if installed:
                models = f"model ready: {self.registry.spec(installed).name}."
            else:
                default = self.registry.specs(task)[0].id
                models = f"no model installed: run `{self.registry.install_command(default)}` or use Profile → Models."
            engine = f"{missing}; " if missing else ""
            return f"**{title}**: {engine}{models}"

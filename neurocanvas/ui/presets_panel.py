"""Prompt presets in the order the user's bandit ranks their subjects ("chosen for you"); a click fills the prompt."""
from __future__ import annotations

import gradio as gr

from neurocanvas.handlers.preferences import PreferencesHandler

HEADERS = ["subject", "prompt"]


def build(demo: gr.Blocks, prefs: PreferencesHandler, prompt: gr.Textbox, elem_id: str,
          api_name: str | None = None) -> None:
    reason = gr.Markdown(elem_id=f"{elem_id}-reason")
    presets = gr.Dataset(components=[gr.Textbox(visible=False), gr.Textbox(visible=False)], headers=HEADERS,
                         samples=rows(_plain(prefs)), layout="table", samples_per_page=10, label="Prompt presets",
                         elem_id=elem_id)
    presets.click(lambda sample: sample[1], presets, prompt, queue=False)
    demo.load(_ordered(prefs), None, [presets, reason], queue=False, api_name=api_name)


def rows(order: list[dict]) -> list[list[str]]:
    return [[entry["category"], text] for entry in order for text in entry["prompts"]]


def _plain(prefs: PreferencesHandler) -> list[dict]:
    return [{"category": c, "prompts": p} for c, p in prefs.templates.items()]


def _ordered(prefs: PreferencesHandler):
    def ordered(request: gr.Request) -> tuple:
        order = prefs.preset_order(request)
        first = order[0]
        why = f"Presets in your order: **{first['category']}** first, chosen for you ({first['reason']})."
        return gr.Dataset(samples=rows(order)), why

    return ordered

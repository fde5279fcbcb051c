"""The line above a tab: whether its model is installed (else the command that installs one), as `<tab>_status`."""
from __future__ import annotations

import gradio as gr

from neurocanvas.handlers.status import StatusHandler


def build(demo: gr.Blocks, status: StatusHandler, tab: str) -> gr.Markdown:
    line = gr.Markdown(elem_id=f"{tab}-status")

    def refresh() -> str:
        return status.tab_status(tab)

    demo.load(refresh, None, line, api_name=f"{tab}_status", queue=False)
    return line

"""Profile tab: stats, gallery, models (with Pull) and settings."""
from __future__ import annotations

import gradio as gr

from neurocanvas.handlers.models import COLUMNS, ModelsHandler
from neurocanvas.handlers.profile import ProfileHandler


def build(demo: gr.Blocks, profile: ProfileHandler, models: ModelsHandler) -> None:
    with gr.Tab("Stats"):
        stats = gr.JSON(label="Your statistics")
        gr.Button("Refresh").click(profile.profile, None, stats, api_name="profile", queue=False)
    with gr.Tab("Gallery"):
        page = gr.Number(value=1, precision=0, minimum=1, label="Page")
        gallery = gr.Gallery(label="Your images", columns=6, height="auto")
        gr.Button("Show").click(profile.gallery, page, gallery, api_name="gallery", queue=False)
    with gr.Tab("Models"):
        table = gr.Dataframe(headers=COLUMNS, value=models.models(), interactive=False, wrap=True, label="Catalog")
        with gr.Row():
            choice = gr.Dropdown(models.model_ids(), label="Model", scale=2, allow_custom_value=True)
            pull = gr.Button("Pull", variant="primary", scale=1)
        about = gr.Markdown()
        result = gr.Markdown(elem_id="pull-result")
        choice.change(models.describe, choice, about, queue=False)
        pull.click(models.pull, choice, [result, table], api_name="pull_model", concurrency_id="pull", concurrency_limit=1)
        gr.Button("Refresh").click(models.models, None, table, api_name="models", queue=False)
    with gr.Tab("Settings"):
        gr.Markdown("Launch settings (change them with `make run ARGS=\"--flag value\"` or NEUROCANVAS_* variables).")
        settings = gr.JSON(label="Settings")
        gr.Button("Refresh").click(profile.settings, None, settings, api_name="settings", queue=False)

    demo.load(profile.profile, None, stats, queue=False)
    demo.load(profile.settings, None, settings, queue=False)

"""The Jobs panel above the tabs: what is running or waiting, refreshed every two seconds, with Cancel."""
from __future__ import annotations

import gradio as gr

from neurocanvas.handlers.jobs import COLUMNS, JobsHandler


def build(demo: gr.Blocks, jobs: JobsHandler) -> None:
    with gr.Accordion("Jobs (queue)", open=False, elem_id="jobs-panel"):
        table = gr.Dataframe(headers=COLUMNS, interactive=False, elem_id="jobs-table")
        with gr.Row():
            picked = gr.Markdown("Click a job's row to pick it.", elem_id="jobs-picked")
            cancel = gr.Button("Cancel the picked job", variant="stop", scale=0, elem_id="jobs-cancel")
        job_id = gr.Number(visible=False, precision=0)  # the picked row's job, as the API takes it
        message = gr.Markdown(elem_id="jobs-message")
    gr.Timer(2.0).tick(jobs.list, None, table, queue=False, api_visibility="private")
    demo.load(jobs.list, None, table, api_name="jobs", queue=False)
    table.select(_picked_job, None, [job_id, picked], queue=False, api_visibility="private")
    cancel.click(jobs.cancel, job_id, [message, table], api_name="cancel_job")


def _picked_job(evt: gr.SelectData) -> tuple:
    """The clicked row's job number (its first cell), whichever cell of the row was clicked."""
    row = evt.row_value or []
    if not row or not str(row[0]).isdigit():
        return None, "Click a job's row to pick it."
    return int(row[0]), f"Picked job #{row[0]}: {row[1]}."

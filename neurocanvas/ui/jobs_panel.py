"""The Jobs panel above the tabs: what is running or waiting, refreshed every two seconds, with Cancel."""
from __future__ import annotations

import gradio as gr

from neurocanvas.handlers.jobs import COLUMNS, JobsHandler


def build(demo: gr.Blocks, jobs: JobsHandler) -> None:
    with gr.Accordion("Jobs (queue)", open=False, elem_id="jobs-panel"):
        table = gr.Dataframe(headers=COLUMNS, interactive=False, elem_id="jobs-table")
        with gr.Row():
            job_id = gr.Number(label="Job number", precision=0, scale=2)
            cancel = gr.Button("Cancel job", variant="stop", scale=1)
        message = gr.Markdown()
    gr.Timer(2.0).tick(jobs.list, None, table, queue=False, api_visibility="private")
    demo.load(jobs.list, None, table, api_name="jobs", queue=False)
    cancel.click(jobs.cancel, job_id, [message, table], api_name="cancel_job")

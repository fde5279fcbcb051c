"""Compare & vote tab: pick 2-4 images, see them side by side, vote for the best, export the comparison."""
from __future__ import annotations

import gradio as gr

from neurocanvas.handlers.compare import LEADERBOARD, CompareHandler
from neurocanvas.handlers.profile import ProfileHandler
from neurocanvas.ui.tab_profile import selected_image_id


def build(demo: gr.Blocks, compare: CompareHandler, profile: ProfileHandler) -> None:
    with gr.Row():
        ids = gr.Textbox(label="Images to compare (2 to 4 ids; click images below to add them)", scale=3,
                         elem_id="compare-ids")
        show = gr.Button("Compare", variant="primary", scale=1, elem_id="compare-run")
    side_by_side = gr.Gallery(label="Side by side", columns=4, height="auto", elem_id="compare-gallery")
    details = gr.JSON(label="Details: model, settings, time, CLIP score")
    with gr.Row():
        winner = gr.Number(label="Your pick (image id)", precision=0, scale=2, elem_id="compare-winner")
        vote = gr.Button("Vote for it", variant="primary", scale=1, elem_id="compare-vote")
        export = gr.Button("Export grid + JSON", scale=1)
    voted = gr.Markdown(elem_id="compare-voted")
    files = gr.File(label="Exported comparison", file_count="multiple")
    board = gr.Dataframe(headers=LEADERBOARD, label="Leaderboard (Elo)", interactive=False)
    with gr.Accordion("Your recent images", open=False):
        recent = gr.Gallery(columns=8, height="auto")
        gr.Button("Show", size="sm").click(profile.first_page, None, recent, queue=False)

    show.click(compare.compare, ids, [side_by_side, details], api_name="compare", queue=False)
    side_by_side.select(selected_image_id, None, winner, queue=False)
    recent.select(_add_id, ids, ids, queue=False)
    vote.click(compare.vote, [ids, winner], [voted, board], api_name="vote", queue=False)
    export.click(compare.export, ids, files, api_name="export_comparison", queue=False)
    demo.load(compare.leaderboard, None, board, api_name="leaderboard", queue=False)


def _add_id(current: str, evt: gr.SelectData) -> str:
    picked = selected_image_id(evt)
    return f"{current}, {picked}".strip(", ") if picked is not None else current

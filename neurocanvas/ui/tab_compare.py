"""Compare & vote tab: pick 2-4 images, see them side by side, vote for the best, export the comparison."""
from __future__ import annotations

import gradio as gr

from neurocanvas.handlers.auto import AutoHandler
from neurocanvas.engines.model_selection import PLAN_HEADERS
from neurocanvas.handlers.compare import DETAIL_HEADERS, LEADERBOARD, RANKING_MODEL, CompareHandler, details_table, pick_line
from neurocanvas.handlers.models import ModelsHandler
from neurocanvas.handlers.preferences import PreferencesHandler
from neurocanvas.handlers.profile import ProfileHandler
from neurocanvas.ui import feedback_bar
from neurocanvas.ui.feedback_bar import selected_image_id


def build(demo: gr.Blocks, tab: gr.Tab, compare: CompareHandler, auto: AutoHandler, profile: ProfileHandler,
          model_manager: ModelsHandler, prefs: PreferencesHandler, heavy: str, heavy_limit: int) -> gr.Textbox:
    """Returns the picks (ids as the API takes them), for 'Add to compare' in the other tabs."""
    with gr.Accordion("Generate to compare: the studio picks models for a prompt, runs them and ranks by CLIP",
                      open=True):
        with gr.Row():
            prompt = gr.Textbox(label="Prompt", scale=3, elem_id="compare-prompt")
            negative = gr.Textbox(label="Negative prompt", scale=2)
        with gr.Row():
            models = gr.CheckboxGroup(auto.installed(), label="Models (leave empty for Auto; Plan fills it)", scale=3)
            count = gr.Slider(2, 4, value=3, step=1, label="Images", scale=1)
            size = gr.Slider(128, 1024, value=512, step=64, label="Size (px, each model's own limit applies)", scale=1)
            steps = gr.Slider(0, 8, value=0, step=1, label="Steps (0: each model's default)", scale=1)
        with gr.Row():
            plan = gr.Button("Plan", scale=1)
            generate = gr.Button("Generate to compare", variant="primary", scale=2, elem_id="compare-generate")
            stop = gr.Button("Stop", variant="stop", scale=1)
        plan_text = gr.Markdown(elem_id="compare-plan")
        plan_table = gr.Dataframe(headers=PLAN_HEADERS, value=[], interactive=True, type="array", column_count=4,
                                  datatype=["str", "str", "number", "str"], static_columns=[3],
                                  label="The plan Generate runs (edit a model, a restyle or a seed offset; empty: Auto)",
                                  elem_id="compare-plan-table")
        with gr.Row():
            clip_status = gr.Markdown(compare.clip_status(), elem_id="compare-clip-status")
            pull_clip = gr.Button("Pull CLIP", size="sm", scale=0, visible=compare.needs_clip())
    with gr.Row():
        ticks = gr.CheckboxGroup([], label="Images to compare: tick 2 to 4 (or 'Add to compare' under any result)",
                                 scale=3, elem_id="compare-ticks")
        show = gr.Button("Compare", variant="primary", scale=1, elem_id="compare-run")
    ids = gr.Textbox(visible=False, elem_id="compare-ids")  # the picks, as the API takes them ("12, 15")
    side_by_side = gr.Gallery(label="Side by side", columns=4, height="auto", elem_id="compare-gallery",
                              interactive=False)
    details = gr.JSON(visible=False)  # the records, as the API returns them; the page shows the table
    details_view = gr.Dataframe(headers=DETAIL_HEADERS, interactive=False, wrap=True, elem_id="compare-details",
                                label="Details: model, settings, time, CLIP score")
    winner = gr.Number(None, visible=False, precision=0, elem_id="compare-winner")  # the picked image (API: vote)
    with gr.Row():
        picked = gr.Markdown(pick_line(None), elem_id="compare-picked")
        vote = gr.Button("Vote for it", variant="primary", scale=1, elem_id="compare-vote")
        export = gr.Button("Export grid + JSON", scale=1)
    voted = gr.Markdown(elem_id="compare-voted")
    feedback_bar.build(prefs, profile, winner, "compare-feedback")
    files = gr.File(label="Exported comparison", file_count="multiple")
    board = gr.Dataframe(headers=LEADERBOARD, label="Leaderboard (Elo)", interactive=False)

    plan.click(auto.plan, [prompt, count], [plan_text, models, plan_table], api_name="auto_plan")
    for changed in (prompt.input, models.input):  # a new prompt or pick of models: the old plan no longer applies
        changed(lambda: [], None, plan_table, queue=False, api_visibility="private")
    job = generate.click(auto.generate_to_compare, [prompt, negative, models, count, plan_table, size, steps],
                         [side_by_side, details, ids, plan_text], api_name="generate_to_compare",
                         concurrency_id=heavy, concurrency_limit=heavy_limit)
    details.change(details_table, details, details_view, queue=False, api_visibility="private")
    winner.change(pick_line, winner, picked, queue=False, api_visibility="private")
    stop.click(None, None, None, cancels=[job], queue=False)
    show.click(compare.compare, ids, [side_by_side, details], api_name="compare")
    ids.change(lambda: ("", None, None), None, [voted, files, winner], queue=False,  # the vote and exports were the
               api_visibility="private")  # previous comparison's
    side_by_side.select(selected_image_id, None, winner, queue=False)
    ticks.input(lambda picked: ", ".join(map(str, picked or [])), ticks, ids, queue=False, api_visibility="private")
    ids.change(compare.pickable, ids, ticks, api_visibility="private")  # a generated comparison, an 'Add to compare'
    tab.select(compare.pickable, ids, ticks, api_visibility="private")
    vote.click(compare.vote, [ids, winner], [voted, board], api_name="vote")
    export.click(compare.export, ids, files, api_name="export_comparison")
    demo.load(compare.leaderboard, None, board, api_name="leaderboard", queue=False)
    pull_clip.click(_pull(model_manager), None, clip_status, api_name="pull_clip", concurrency_id="pull",
                    concurrency_limit=1).then(compare.clip_status, None, clip_status, queue=False).then(
        lambda: gr.Button(visible=compare.needs_clip()), None, pull_clip, queue=False, api_visibility="private")
    return ids


def _pull(models: ModelsHandler):
    """Pull the ranking model with the page's progress bar."""
    def pull_clip(request: gr.Request, progress=gr.Progress()) -> str:
        message, _ = models.pull(RANKING_MODEL, request, progress)
        return message

    return pull_clip

"""The Art director's loop: render the versions at one seed, let CLIP look at them, refine from the result, merge."""
from __future__ import annotations

import dataclasses

import gradio as gr

from neurocanvas.handlers.director_loop import LOOK_HEADERS, DirectorLoopHandler


@dataclasses.dataclass
class Refining:
    """The refinement panel's widgets the loop reads and fills."""
    conversation: gr.Number
    llm: gr.Dropdown
    candidate: gr.Textbox
    diff: gr.HighlightedText
    explanation: gr.Markdown


def build(demo: gr.Blocks, loop: DirectorLoopHandler, refining: Refining, tabs: gr.Tabs, compare_ids: gr.Textbox,
          heavy: str, heavy_limit: int) -> tuple[gr.Textbox, gr.events.Dependency]:
    """Returns the 'Versions to render' box, which a refinement fills, and the render (a first one opens a
    conversation, which the past conversations list then shows)."""
    r = refining
    with gr.Accordion("Generate, look, refine again", open=True):
        to_render = gr.Textbox(label="Versions to render (one per line, up to 4: one seed for all, so only the prompt "
                                     "differs)", lines=4, elem_id="director-to-render")
        with gr.Row():
            choices = loop.model_choices()
            model = gr.Dropdown(choices, value=choices[0][1] if choices else None, label="Text-to-image model",
                                allow_custom_value=True, scale=2)
            seed = gr.Number(-1, label="Seed (-1: random)", precision=0, scale=1)
            render = gr.Button("Generate the versions", variant="primary", scale=1, elem_id="director-generate")
            stop = gr.Button("Stop", variant="stop", scale=1)
        line = gr.Markdown(elem_id="director-render-line")
        images = gr.Gallery(label="The versions side by side", columns=4, height="auto", interactive=False,
                            elem_id="director-gallery")
        with gr.Row():
            score = gr.Button("Look at the images (CLIP)", elem_id="director-score")
            to_compare = gr.Button("Compare & vote on these", elem_id="director-to-compare")
        looks = gr.Dataframe(headers=LOOK_HEADERS, interactive=False, label="What each image shows (CLIP scores)",
                             wrap=True, column_widths=["300px", "70px", "90px", "300px", "240px"], elem_id="director-looks")
        verdict = gr.Markdown(elem_id="director-verdict")
        with gr.Row():
            version = gr.Dropdown([], label="Refine from version (the best match unless you pick one)", scale=3,
                                  elem_id="director-version")
            again = gr.Button("Refine from the result", variant="primary", scale=1, elem_id="director-from-result")
        with gr.Accordion("Merge two versions", open=False):
            with gr.Row():
                first = gr.Dropdown([], label="First version", allow_custom_value=True, elem_id="director-first")
                second = gr.Dropdown([], label="Second version", allow_custom_value=True, elem_id="director-second")
            picks = gr.CheckboxGroup([], label="Phrases to keep (the merged prompt appears as the refined prompt)",
                                     elem_id="director-picks")
            merge = gr.Button("Merge", elem_id="director-merge")

    rendering = render.click(loop.generate, [to_render, r.conversation, model, seed], [images, r.conversation, line, version],
                             api_name="director_generate", concurrency_id=heavy, concurrency_limit=heavy_limit)
    quiet = dict(api_visibility="private")
    rendering.success(loop.score, r.conversation, [looks, verdict], **quiet).then(
        loop.version_choices, r.conversation, version, **quiet).then(
        loop.version_prompts, r.conversation, first, **quiet).then(loop.version_prompts, r.conversation, second, **quiet)
    stop.click(None, None, None, cancels=[rendering], queue=False)
    score.click(loop.score, r.conversation, [looks, verdict], api_name="director_score").success(
        loop.version_choices, r.conversation, version, api_visibility="private")
    to_compare.click(loop.compare_ids, r.conversation, [compare_ids, tabs], api_visibility="private")
    again.click(loop.from_result_step, [r.conversation, version, r.llm], [r.candidate, r.diff, r.explanation, to_render],
                api_visibility="private", concurrency_id="llm", concurrency_limit=1)
    gr.api(loop.from_result, api_name="director_refine_from_result", concurrency_id="llm", concurrency_limit=1)
    gr.api(loop.api_versions, api_name="director_versions")
    for picker in (first, second):
        picker.change(loop.phrases, [first, second], picks, queue=False, api_visibility="private")
    merge.click(loop.merge, [first, second, picks, r.conversation], [r.candidate, r.diff], api_visibility="private")
    gr.api(loop.api_merge, api_name="director_merge")
    # a reopened (or new) conversation shows its own versions, images and looks
    r.conversation.change(loop.show, r.conversation, [images, version, looks, verdict], **quiet).then(
        loop.version_prompts, r.conversation, first, **quiet).then(loop.version_prompts, r.conversation, second, **quiet)
    return to_render, rendering

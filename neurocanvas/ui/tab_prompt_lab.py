"""Prompt lab tab: type, analyse (Ctrl+Enter), enhance, presets, history with favourites."""
from __future__ import annotations

import gradio as gr

from neurocanvas.engines.prompt_analysis import MAX_CHARS
from neurocanvas.handlers.director import DirectorHandler
from neurocanvas.handlers.preferences import PreferencesHandler
from neurocanvas.handlers.prompt_lab import HISTORY_COLUMNS, PromptLabHandler
from neurocanvas.ui import presets_panel

COUNT_JS = f"(p) => `${{(p || '').length}} / {MAX_CHARS} characters`"
CATEGORY_COLOURS = {"style": "#8e7cc3", "mood": "#e06666", "colour": "#f6b26b", "lighting": "#ffd966",
                    "texture": "#93c47d", "composition": "#6fa8dc", "added": "#b6d7a8"}


def build(demo: gr.Blocks, lab: PromptLabHandler, director: DirectorHandler, prefs: PreferencesHandler,
          tabs: gr.Tabs, t2i_prompt: gr.Textbox) -> gr.Textbox:
    with gr.Row():
        with gr.Column(scale=3):
            prompt = gr.Textbox(label="Prompt", lines=3, max_lines=8, elem_id="prompt-lab-input",
                                placeholder="a lighthouse in a storm, oil painting...  (Ctrl+Enter analyses)")
            count = gr.Markdown(f"0 / {MAX_CHARS} characters", elem_id="prompt-lab-count")
            with gr.Row():
                analyze_btn = gr.Button("Analyse", variant="primary", elem_id="analyze-btn")
                enhance_btn = gr.Button("Enhance")
                enhance_llm_btn = gr.Button("Enhance with the art director")
                seed = gr.Number(value=0, precision=0, label="Enhance seed", minimum=0, maximum=2**31 - 1)
            notes = gr.Markdown(elem_id="prompt-lab-notes")
            keywords = gr.HighlightedText(label="Keywords by category", color_map=CATEGORY_COLOURS,
                                          show_legend=True, combine_adjacent=False)
            with gr.Row():
                sentiment = gr.Label(label="Sentiment")
                mood = gr.Label(label="Mood", num_top_classes=4)
                concepts = gr.Label(label="Concepts", num_top_classes=4)
            palette = gr.HTML(label="Palette")
            styles = gr.Radio(label="Suggested styles (click to add to the prompt)", choices=[])
            missing = gr.Markdown(label="What is missing")
            with gr.Group():
                enhanced = gr.Textbox(label="Enhanced prompt", interactive=False, buttons=["copy"])
                marked = gr.HighlightedText(label="Additions", color_map=CATEGORY_COLOURS)
                use_enhanced = gr.Button("Use the enhanced prompt", size="sm")
            analysis = gr.JSON(label="Analysis (as the API returns it)", visible=False)
        with gr.Column(scale=2):
            with gr.Accordion("Presets", open=True):
                presets_panel.build(demo, prefs, prompt, "prompt-lab-presets", api_name="preset_order")
            with gr.Accordion("History", open=True):
                with gr.Row():
                    search = gr.Textbox(label="Search", scale=3)
                    favourites_only = gr.Checkbox(label="Favourites only", scale=1)
                history = gr.Dataframe(headers=HISTORY_COLUMNS, datatype=["number", "str", "str", "str"],
                                       interactive=False, wrap=True, max_height=360)
                picked = gr.Number(visible=False, precision=0)
                with gr.Row():
                    favourite_btn = gr.Button("★ Favourite", size="sm")
                    unfavourite_btn = gr.Button("Remove ★", size="sm")
                    send_btn = gr.Button("Send to Text to image", size="sm", elem_id="prompt-lab-send")
                favourite_msg = gr.Markdown()

    widgets = [sentiment, keywords, concepts, mood, palette, styles, missing, notes]
    prompt.change(None, prompt, count, js=COUNT_JS)
    (analyze_btn.click(lab.analyze, prompt, analysis, api_name="analyze_prompt")
     .success(lab.render, analysis, widgets)
     .success(lab.history, [search, favourites_only], history))
    enhance_btn.click(lab.enhance, [prompt, seed], [enhanced, marked], api_name="enhance_prompt")
    enhance_llm_btn.click(director.enhance, prompt, [enhanced, marked], api_name="enhance_prompt_llm",
                          concurrency_id="llm", concurrency_limit=1)
    use_enhanced.click(lambda text: text, enhanced, prompt, queue=False)
    styles.select(lab.add_style, [prompt, styles], prompt)

    gr.on([search.submit, favourites_only.change, demo.load], lab.history, [search, favourites_only], history,
          api_name="prompt_history")
    history.select(_pick_row, history, [picked, prompt], queue=False)

    def favourite(prompt_id: float, request: gr.Request) -> str:
        return lab.set_favourite(prompt_id, True, request)

    def unfavourite(prompt_id: float, request: gr.Request) -> str:
        return lab.set_favourite(prompt_id, False, request)

    for button, fn in ((favourite_btn, favourite), (unfavourite_btn, unfavourite)):
        (button.click(fn, picked, favourite_msg, api_visibility="private")
         .success(lab.history, [search, favourites_only], history))
    gr.api(lab.set_favourite, api_name="favourite_prompt")
    # the prompt box holds the picked history row, or the prompt with the suggested style just added
    send_btn.click(lambda text: (text, gr.Tabs(selected="text_to_image")), prompt, [t2i_prompt, tabs], queue=False)
    return prompt


def _pick_row(table, evt: gr.SelectData):
    """Clicking a history row selects it (for the favourite buttons) and puts its text in the prompt box."""
    row = evt.index[0]
    values = table.values.tolist() if hasattr(table, "values") else table
    return values[row][0], values[row][3]

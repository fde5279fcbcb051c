"""Style transfer tab: photo, up to three styles with weights, strength, size, steps, colours, method, Stop."""
from __future__ import annotations

import gradio as gr

from neurocanvas.handlers.preferences import PreferencesHandler
from neurocanvas.handlers.profile import ProfileHandler
from neurocanvas.handlers.style_transfer import NONE, StyleTransferHandler
from neurocanvas.ui import feedback_bar
from neurocanvas.ui.photo_upload import PhotoUpload


def build(demo: gr.Blocks, style: StyleTransferHandler, prefs: PreferencesHandler, profile: ProfileHandler, heavy: str,
          heavy_limit: int) -> gr.Dropdown:
    """Returns the style picker, which a recommended style sets."""
    with gr.Row():
        with gr.Column(scale=2):
            content = PhotoUpload(label="Your photo", type="filepath", sources=["upload", "clipboard"], height=260,
                               elem_id="style-content")
            with gr.Row():
                preset_a = gr.Dropdown(style.preset_choices(), value="starry-night", label="Style", scale=3)
                weight_a = gr.Slider(0, 1, value=1.0, step=0.05, label="Weight of this style", scale=1)
            suggestion = gr.Markdown(elem_id="style-suggestion")
            with gr.Row():
                preset_b = gr.Dropdown(style.preset_choices(), value=NONE, label="Mix with", scale=3)
                weight_b = gr.Slider(0, 1, value=0.5, step=0.05, label="Weight of the mixed-in style", scale=1)
            with gr.Row():
                own = PhotoUpload(label="Your own style image", type="filepath", height=120, scale=3)
                own_weight = gr.Slider(0, 1, value=1.0, step=0.05, label="Weight of your style image", scale=1)
            with gr.Row():
                strength = gr.Slider(0.1, 5, value=1.0, step=0.1, label="Strength")
                size = gr.Slider(256, 1024, value=512, step=32, label="Size (long side, px)")
            with gr.Row():
                steps = gr.Slider(20, 600, value=135, step=5, label="Quality (steps)")
                keep = gr.Checkbox(label="Keep the photo's colours")
            method = gr.Dropdown(style.method_choices(), value=style.default_method(), label="Method",
                                 allow_custom_value=True)
            method_note = gr.Markdown(style.method_note(), elem_id="style-method-note")
            with gr.Row():
                run = gr.Button("Restyle", variant="primary", elem_id="style-run")
                stop = gr.Button("Stop", variant="stop")
        with gr.Column(scale=3):
            preview = gr.Image(label="Live preview", type="pil", height=256, interactive=False, format="png")
            result = gr.Image(label="Result", type="filepath", interactive=False, format="png",
                              buttons=["download", "fullscreen"], elem_id="style-result")
            info = gr.Markdown(elem_id="style-info")
            picked = gr.Number(None, visible=False, precision=0, elem_id="style-picked")  # the result the bar rates
            thanks = feedback_bar.build(prefs, profile, picked, "style-feedback")
    # a new run clears the last result, its picked id (the reactions bar resets with it) and its lines first
    job = run.click(lambda: (None, None, "", None, ""), None, [result, preview, info, picked, thanks], queue=False,
                    api_visibility="private").then(
        style.restyle, [content, preset_a, weight_a, preset_b, weight_b, own, own_weight, strength, size, steps, keep,
                        method], [result, preview, info, picked], api_name="style_transfer", concurrency_id=heavy,
        concurrency_limit=heavy_limit)
    stop.click(style.stopped, None, info, cancels=[job], queue=False, api_visibility="private")
    demo.load(prefs.suggest_style, None, [preset_a, suggestion], api_name="suggest_style", queue=False)
    demo.load(style.refresh_methods, None, method, api_name="style_methods", queue=False).then(
        style.method_note, None, method_note, queue=False)
    return preset_a

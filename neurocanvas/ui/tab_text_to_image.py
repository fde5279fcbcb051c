"""Text to image tab: the form, presets, image to image, live preview, Stop, results, variations, and settings
read back from a PNG."""
from __future__ import annotations

import dataclasses

import gradio as gr

from neurocanvas.engines.text_to_image import MAX_BATCH, MAX_SIZE, MAX_STEPS, MIN_SIZE
from neurocanvas.engines.time_budget import BUDGETS
from neurocanvas.handlers.budget import BudgetHandler
from neurocanvas.handlers.models import ModelsHandler
from neurocanvas.handlers.png_settings import read_png
from neurocanvas.handlers.preferences import PreferencesHandler
from neurocanvas.handlers.profile import ProfileHandler
from neurocanvas.handlers.text_to_image import SCHEDULER_CHOICES, TextToImageHandler
from neurocanvas.ui import feedback_bar, presets_panel
from neurocanvas.ui.photo_upload import PhotoUpload


@dataclasses.dataclass
class Remix:
    """What other tabs start work in this one with (the prompt, the start image and its gallery id, the results,
    the batch size, Stop), and what this one hands on: the picked result, its 'Add to compare' and answer line."""
    prompt: gr.Textbox
    start: gr.Image
    start_id: gr.Number
    panel: gr.Accordion
    results: list
    batch: gr.Slider
    stop: gr.Button
    picked: gr.Number
    to_compare: gr.Button
    thanks: gr.Markdown


def build(demo: gr.Blocks, t2i: TextToImageHandler, budgets: BudgetHandler, models: ModelsHandler,
          prefs: PreferencesHandler, profile: ProfileHandler, heavy: str, heavy_limit: int) -> Remix:
    model_id = t2i.default_model()
    defaults = t2i.registry.spec(model_id).defaults
    status = gr.Markdown(t2i.status(model_id), elem_id="t2i-model-status")
    with gr.Row():
        with gr.Column(scale=2):
            prompt = gr.Textbox(label="Prompt", lines=3, elem_id="t2i-prompt",
                                placeholder="a lighthouse on a cliff at dusk, oil painting")
            negative = gr.Textbox(label="Negative prompt", placeholder="blurry, low quality")
            with gr.Row():
                model = gr.Dropdown(t2i.model_choices(), value=model_id, label="Model", scale=3,
                                    allow_custom_value=True)
                pull = gr.Button("Pull this model", size="sm", scale=1)
            quality = gr.Radio(list(t2i.quality), label="Quality preset", value=None)
            with gr.Row():
                budget = gr.Radio(list(BUDGETS), label="Ready in (picks model, steps, size from this machine's times)",
                                  value=None, scale=3, elem_id="t2i-budget")
                calibrate = gr.Button("Calibrate (10-30 s)", size="sm", scale=1)
            plan_line = gr.Markdown(elem_id="t2i-plan")
            with gr.Row():
                steps = gr.Slider(1, MAX_STEPS, step=1,
                                  value=defaults.get("num_inference_steps", 1), label="Steps")
                guidance = gr.Slider(0, 20, step=0.5, value=defaults.get("guidance_scale", 0.0), label="Guidance scale")
            with gr.Row():
                width = gr.Slider(MIN_SIZE, MAX_SIZE, step=8, value=defaults.get("width", 512), label="Width")
                height = gr.Slider(MIN_SIZE, MAX_SIZE, step=8, value=defaults.get("height", 512), label="Height")
            with gr.Row():
                seed = gr.Number(value=-1, precision=0, label="Seed (-1 = random)", minimum=-1)
                batch = gr.Slider(1, MAX_BATCH, step=1, value=1, label="Batch")
            with gr.Row():
                scheduler = gr.Dropdown(SCHEDULER_CHOICES, value="default", label="Scheduler")
                tiny_vae = gr.Checkbox(value=True, label="Tiny VAE (TAESD): 10x faster decode")
            with gr.Row():
                generate = gr.Button("Generate", variant="primary", elem_id="t2i-generate")
                stop = gr.Button("Stop", variant="stop")
            with gr.Accordion("Image to image: start from a picture", open=False, elem_id="i2i") as i2i_panel:
                start = PhotoUpload(label="Start image", type="filepath", sources=["upload", "clipboard"], height=200)
                start_id = gr.Number(visible=False, precision=0)  # a gallery image's id: its new images name it
                start_note = gr.Markdown("Upload a picture, or pick one in Profile > Gallery and press Image to image.")
                strength = gr.Slider(0, 1, step=0.05, value=0.6, label="Strength: 0 keeps the picture, 1 ignores it")
                from_image = gr.Button("Generate from the picture", variant="primary", elem_id="i2i-generate")
            png = gr.File(label="Drop a PNG made here (or by AUTOMATIC1111) to reuse its settings",
                          file_types=[".png"], type="filepath")
            with gr.Accordion("Prompt presets", open=False):
                presets_panel.build(demo, prefs, prompt, "t2i-presets")
        with gr.Column(scale=3):
            preview = gr.Image(label="Live preview", type="pil", height=256, interactive=False, format="png")
            gallery = gr.Gallery(label="Results", columns=4, height="auto", format="png", elem_id="t2i-gallery",
                                 interactive=False)
            info = gr.Markdown(elem_id="t2i-info")
            with gr.Row():
                used_seed = gr.Number(label="Seed used", precision=0, interactive=False)
                picked = gr.Number(label="Picked result (click an image)", precision=0, elem_id="t2i-picked")
            thanks = feedback_bar.build(prefs, profile, picked, "t2i-feedback")
            with gr.Row():
                vary = gr.Button("Variations of the picked (new seeds)", size="sm", elem_id="t2i-vary")
                vary_close = gr.Button("Close variations (keep its layout)", size="sm")
                to_compare = gr.Button("Add to compare", size="sm", elem_id="t2i-to-compare")

    form = [prompt, negative, model, steps, guidance, width, height, seed, batch, scheduler, tiny_vae]
    results = [gallery, preview, info, used_seed]
    heavy_options = dict(concurrency_id=heavy, concurrency_limit=heavy_limit)
    # A new job clears the last one's result area first: its images, seed, picked image (so the reactions bar
    # resets too) and answer line. Variations keep the picked image: it is what they vary.
    clear = dict(fn=fresh, inputs=None, outputs=results + [picked, thanks], queue=False, api_visibility="private")
    job = generate.click(**clear).then(t2i.generate, form, results, api_name="text_to_image", **heavy_options)
    i2i = from_image.click(**clear).then(t2i.image_to_image, form + [start, start_id, strength], results,
                                         api_name="image_to_image", **heavy_options)
    variations = [button.click(**{**clear, "outputs": results + [thanks], "fn": lambda: fresh()[:4] + ("",)}).then(
                      t2i.variations, [picked, batch, gr.State(close)], results, api_name=name, **heavy_options)
                  for close, button, name in ((False, vary, "variations"), (True, vary_close, "close_variations"))]
    stop.click(t2i.stopped, None, info, cancels=[job, i2i, *variations], queue=False, api_visibility="private")
    for event in (job, i2i, *variations):
        event.then(feedback_bar.first_result, gallery, picked, queue=False)
    start.upload(lambda: (None, "Starting from your upload."), None, [start_id, start_note], queue=False)
    start.clear(lambda: (None, ""), None, [start_id, start_note], queue=False)
    gallery.select(feedback_bar.selected_image_id, None, picked, queue=False)
    model_form = [steps, guidance, width, height, status, tiny_vae]
    # .input, not .change: a plan or a PNG sets the model together with its own steps and size, which stay
    model.input(t2i.model_defaults, model, model_form, api_name="model_defaults")
    budget.select(budgets.fill_form, budget, [model, steps, width, height, tiny_vae, plan_line],
                  api_visibility="private").success(t2i.status, model, status)
    gr.api(budgets.api_plan, api_name="plan_budget")
    calibrate.click(budgets.calibrate, None, plan_line, api_name="calibrate", **heavy_options)
    quality.select(t2i.apply_quality, [quality, model], [steps, width, height], api_name="quality_preset")
    pull.click(models.pull, model, [status, gr.State()], concurrency_id="pull", concurrency_limit=1,
               api_visibility="private").then(t2i.status, model, status)
    png.upload(read_png, png, [prompt, negative, model, steps, guidance, width, height, seed, scheduler, tiny_vae, info],
               api_name="read_png_settings").success(t2i.status, model, status)  # the PNG's model may be another
    demo.load(t2i.status, None, status, api_name="text_to_image_status", queue=False)
    demo.load(t2i.user_model, None, model, api_name="text_to_image_default_model", queue=False).then(
        t2i.model_defaults, model, model_form, queue=False, api_visibility="private")
    start_id.change(t2i.start_note, start_id, start_note, queue=False)
    return Remix(prompt, start, start_id, i2i_panel, results, batch, stop, picked, to_compare, thanks)


def fresh() -> tuple:
    """An empty result area: gallery, preview, info, seed used, picked image, the reactions' answer."""
    return [], None, "", None, None, ""

"""The Edit panel under the Profile gallery: crop, resize, rotate, flip and adjust the picked image, with a live
preview, Undo, and Save as a new image (the original stays as it is)."""
from __future__ import annotations

import gradio as gr

from neurocanvas.engines.image_edit import MAX_FACTOR, MAX_SIDE, MIN_SIDE, RATIOS
from neurocanvas.handlers.edit import EditHandler


def build(edit: EditHandler, image_id: gr.Number) -> gr.Markdown:
    """The panel, editing the image `image_id` names when Edit is pressed; returns the line that answers."""
    source = gr.State(None)  # the image the steps apply to (an edited image reopens as its parent)
    steps = gr.State([])
    with gr.Accordion("Edit the picked image", open=False, elem_id="edit-panel"):
        open_button = gr.Button("Edit this image", size="sm", elem_id="edit-open")
        with gr.Row():
            preview = gr.Image(label="Preview", interactive=False, type="pil", height=384, scale=2,
                               elem_id="edit-preview")
            with gr.Column(scale=2):
                with gr.Row():
                    rotate_left = gr.Button("Rotate ⟲ 90°", size="sm")
                    rotate_right = gr.Button("Rotate ⟳ 90°", size="sm")
                    flip_h = gr.Button("Flip ↔", size="sm")
                    flip_v = gr.Button("Flip ↕", size="sm")
                with gr.Row():
                    angle = gr.Number(value=15, label="Angle (degrees, counter-clockwise)", scale=2)
                    rotate_any = gr.Button("Rotate", size="sm", scale=1)
                with gr.Row():
                    ratio = gr.Dropdown(list(RATIOS), value="free", label="Crop ratio", scale=1)
                    left = gr.Slider(0, 100, value=0, step=1, label="Left %", scale=1)
                    top = gr.Slider(0, 100, value=0, step=1, label="Top %", scale=1)
                with gr.Row():
                    width = gr.Slider(1, 100, value=100, step=1, label="Width %", scale=1)
                    height = gr.Slider(1, 100, value=100, step=1, label="Height %", scale=1)
                    crop = gr.Button("Crop", size="sm", scale=1)
                with gr.Row():
                    new_w = gr.Number(value=512, precision=0, minimum=MIN_SIDE, maximum=MAX_SIDE, label="Width px")
                    new_h = gr.Number(value=512, precision=0, minimum=MIN_SIDE, maximum=MAX_SIDE, label="Height px")
                    resize = gr.Button("Resize", size="sm")
                factors = [gr.Slider(0, MAX_FACTOR, value=1, step=0.05, label=name.title())
                           for name in ("brightness", "contrast", "saturation", "sharpness")]
                adjust = gr.Button("Apply the adjustments", size="sm")
        listing = gr.Markdown(elem_id="edit-steps")
        with gr.Row():
            undo = gr.Button("Undo last step", size="sm")
            save = gr.Button("Save as a new image", variant="primary", size="sm", elem_id="edit-save")
        answer = gr.Markdown(elem_id="edit-answer")
        saved = gr.State(None)

    outputs = [preview, steps, listing]
    private = dict(api_visibility="private")  # on the queue: a refusal then shows its message, not only "Error"
    open_button.click(edit.open, image_id, [preview, source, steps, listing], **private).success(
        lambda: "", None, answer, queue=False)  # the last save's line belonged to the previous edit
    rotate_left.click(edit.rotate_left, [source, steps], outputs, **private)
    rotate_right.click(edit.rotate_right, [source, steps], outputs, **private)
    rotate_any.click(edit.rotate, [source, steps, angle], outputs, **private)
    flip_h.click(edit.mirror, [source, steps], outputs, **private)
    flip_v.click(edit.upside_down, [source, steps], outputs, **private)
    crop.click(edit.crop, [source, steps, ratio, left, top, width, height], outputs, **private)
    resize.click(edit.resize, [source, steps, new_w, new_h], outputs, **private)
    adjust.click(edit.adjust, [source, steps, *factors], outputs, **private).success(
        lambda: [1.0] * len(factors), None, factors, **private)
    for slider in factors:
        slider.release(edit.live, [source, steps, *factors], preview, **private)
    undo.click(edit.undo, [source, steps], outputs, **private)
    save.click(edit.save, [source, steps], [answer, saved], **private)
    gr.api(edit.api_preview, api_name="edit_preview")
    gr.api(edit.api_save, api_name="edit_save")
    gr.api(edit.api_reopen, api_name="edit_reopen")
    return answer

"""Reading a PNG's generation settings back into the Text to image form: ours or AUTOMATIC1111's."""
from __future__ import annotations

import gradio as gr
from PIL import Image

from neurocanvas.engines.png_settings import FIELDS, checked_settings, parse_a1111
from neurocanvas.handlers.common import user_errors
from neurocanvas.store.images import PARAMETERS_KEY, read_png_meta


def read_png(path: str | None) -> tuple:
    """Fill the form from a PNG's settings: ours (JSON) or AUTOMATIC1111's `parameters` text."""
    with user_errors():
        if not path:
            return tuple(gr.skip() for _ in FIELDS) + ("",)
        try:
            meta = read_png_meta(path)
            if not meta:
                meta = parse_a1111(_png_text(path).get(PARAMETERS_KEY, ""))
        except Image.DecompressionBombError:
            raise ValueError("That PNG is too large to open safely; its settings were not read.") from None
        except (OSError, ValueError, SyntaxError):
            raise ValueError("That file is not a readable PNG.") from None
        kept, skipped = checked_settings(meta)
        if not kept:
            raise ValueError("That PNG carries no generation settings this form can use.")
        values = tuple(kept[f] if f in kept else gr.skip() for f in FIELDS)
        line = "Settings read from the PNG" + (f" (seed {kept['seed']})." if "seed" in kept else ".")
        if skipped:
            line += f" Left as they were (missing or out of range in the file): {', '.join(skipped)}."
        return values + (line,)


def _png_text(path: str) -> dict:
    with Image.open(path) as image:
        return dict(getattr(image, "text", {}) or image.info)

"""An image upload whose unreadable files get a sentence instead of Gradio's 'Could not preprocess input component'."""
from __future__ import annotations

from typing import Any

import gradio as gr
from PIL import Image


class PhotoUpload(gr.Image):
    """gr.Image for uploads: Gradio opens the file before the handler runs, so its refusal must be worded here.

    `is_template` is Gradio's own mark for a component that reuses its parent's front end (as gr.Sketchpad does)."""

    is_template = True

    def preprocess(self, payload: Any) -> Any:
        what = (self.label or "The image").rstrip(".")
        try:
            return super().preprocess(payload)
        except gr.Error:
            raise
        except Image.DecompressionBombError:
            raise gr.Error(f"{what}: too large to open safely (a decompression bomb?); upload a smaller image.",
                           print_exception=False) from None
        except Exception:
            raise gr.Error(f"{what}: not an image file the studio can read; upload a PNG, JPEG or WebP.",
                           print_exception=False) from None

"""Generation settings read back from a PNG: ours (JSON) or AUTOMATIC1111's `parameters` text, checked field by
field, since a PNG's text chunks are anybody's to write."""
from __future__ import annotations

import contextlib
import math
import re
from typing import Any

from neurocanvas.engines.text_to_image import MAX_GUIDANCE, MAX_PROMPT_CHARS, MAX_SEED, MAX_SIZE, MAX_STEPS, MIN_SIZE, SCHEDULERS

FIELDS = ("prompt", "negative_prompt", "model_id", "num_inference_steps", "guidance_scale", "width", "height",
          "seed", "scheduler", "tiny_vae")

_WHOLE = {"num_inference_steps": (1, MAX_STEPS), "width": (MIN_SIZE, MAX_SIZE), "height": (MIN_SIZE, MAX_SIZE),
          "seed": (0, MAX_SEED)}


def checked_settings(meta: Any) -> tuple[dict, list[str]]:
    """The fields a PNG may set, each of the form's type and range, and the names of those dropped.

    A PNG's text chunks are anybody's to write: a settings JSON of `42`, or a seed of 1e300, must not reach
    the widgets (an integer past 64 bits cannot even be sent to the browser)."""
    if not isinstance(meta, dict):
        return {}, []
    kept: dict[str, Any] = {}
    for field in FIELDS:
        value = meta.get(field)
        if field in ("prompt", "negative_prompt"):
            ok = isinstance(value, str) and len(value) <= MAX_PROMPT_CHARS
        elif field in ("model_id", "scheduler"):
            ok = isinstance(value, str) and len(value) <= 200 and (field != "scheduler" or value in SCHEDULERS)
        elif field == "tiny_vae":
            ok = isinstance(value, bool)
        elif field == "guidance_scale":
            ok = _number(value) and 0 <= value <= MAX_GUIDANCE
        else:
            low, high = _WHOLE[field]
            ok = _number(value) and float(value).is_integer() and low <= value <= high
            value = int(value) if ok else value
        if ok:
            kept[field] = value
    return kept, [f for f in FIELDS if f not in kept and f in meta]


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


A1111_KEYS = {"Steps": ("num_inference_steps", int), "CFG scale": ("guidance_scale", float), "Seed": ("seed", int)}


def parse_a1111(text: str) -> dict:
    """AUTOMATIC1111's 'parameters': prompt lines, 'Negative prompt: ...', then 'Key: value, ...'."""
    if not text.strip():
        return {}
    lines = text.strip().split("\n")
    settings_line = lines[-1] if re.search(r"(^|, )Steps: \d+", lines[-1]) else ""
    body = lines[:-1] if settings_line else lines
    meta: dict[str, Any] = {}
    negative = [i for i, line in enumerate(body) if line.startswith("Negative prompt:")]
    if negative:
        meta["prompt"] = "\n".join(body[: negative[0]])
        meta["negative_prompt"] = "\n".join(body[negative[0]:])[len("Negative prompt:"):].strip()
    else:
        meta["prompt"] = "\n".join(body)
    for key, value in re.findall(r"([A-Za-z][A-Za-z ]*): ([^,]+)", settings_line):
        with contextlib.suppress(ValueError):  # a value that is not a number is left out, and named as skipped
            if key in A1111_KEYS:
                field, convert = A1111_KEYS[key]
                meta[field] = convert(value.strip())
            elif key == "Size" and "x" in value:
                meta["width"], meta["height"] = (int(v) for v in value.strip().split("x"))
    return meta

"""Train a fast (feed-forward) style network for one preset on this machine and register it as a model.

Used by `python -m neurocanvas train-style PRESET`; the training runs as a job (services/train.py), so it
shows in the job history and can run on any worker. The photos come from a folder the user names (their
own pictures), else from the studio's gallery; the losses use an installed feature network
(EfficientNet-lite0 by default, which needs no download).
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Callable

from neurocanvas.context import AppContext
from neurocanvas.engines.style_transfer import InvalidImage, load_image
from neurocanvas.registry import ModelSpec
from neurocanvas.services.worker import png_bytes
from neurocanvas.store.repo import LOCAL_USER
from neurocanvas.style_presets import label, load_presets, preset_image

log = logging.getLogger(__name__)

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"}
MAX_PHOTOS = 200


def model_id(preset: str) -> str:
    return f"fast-{preset}"


def find_photos(folder: Path, limit: int = MAX_PHOTOS) -> list:
    """Readable photos under a folder; unreadable files are skipped with a warning."""
    photos = []
    for path in sorted(Path(folder).rglob("*")):
        if path.suffix.lower() not in PHOTO_SUFFIXES or not path.is_file():
            continue
        try:
            photos.append(load_image(path, "photo"))
        except InvalidImage as exc:
            log.warning("skipping %s: %s", path, exc)
        if len(photos) >= limit:
            break
    return photos


def train_style(ctx: AppContext, preset: str, photos_dir: Path | None = None, steps: int = 1500, size: int = 256,
                channels: int = 16, features: str = "efficientnet-lite0",
                progress: Callable[[int, int, float], None] | None = None,
                cancel: threading.Event | None = None) -> ModelSpec:
    presets = load_presets()
    if preset not in presets:
        raise ValueError(f"Unknown style preset {preset!r}; choose one of {', '.join(presets)}.")
    folder = Path(photos_dir) if photos_dir else ctx.settings.images_dir
    photos = find_photos(folder) if folder.is_dir() else []
    if not photos:
        raise ValueError(f"No photos to train on in {folder}: pass --photos with a folder of your own pictures.")
    style = load_image(preset_image(preset, ctx.settings.styles_dir, ctx.settings.models_dir), "style painting")
    spec = ctx.registry.spec(features)
    if spec.task != "style-features":
        raise ValueError(f"{spec.name} is not a feature network.")
    ctx.registry.require(features)
    command = (f"python -m neurocanvas train-style {preset} --steps {steps} --size {size} --channels {channels}"
               + (f" --photos {photos_dir}" if photos_dir else ""))
    entry = {
        "id": model_id(preset), "task": "fast-style", "name": f"Fast: {label(presets[preset])}",
        "description": f"Feed-forward network trained here for {steps} steps on {len(photos)} photos "
                       f"against {spec.name} features.",
        "source": {"type": "local", "command": command}, "size_mb": 0, "ram_mb": 50,
        "licence": f"yours (trained on your photos; the painting is {presets[preset]['licence']})",
        "defaults": {"style": preset, "channels": channels, "residual_blocks": 5, "steps": steps, "size": size,
                     "features": features, "photos": len(photos)},
    }
    inputs = {"style": png_bytes(style), "photos": [png_bytes(p) for p in photos], "features": features,
              "steps": steps, "size": size, "channels": channels, "entry": entry}
    ctx.jobs.start()  # the command line has no studio running: its own worker and collector (no-op if started)
    generation_id = ctx.jobs.submit(LOCAL_USER, "train_style", {"label": f"Train {entry['name']}", "preset": preset,
                                                                "steps": steps, "size": size, "channels": channels},
                                    inputs=inputs, prompt=preset, model_ids=[features], estimate_s=steps * 0.3,
                                    fresh=False)
    update = None
    for update in ctx.jobs.follow(generation_id):
        if cancel is not None and cancel.is_set():
            ctx.jobs.cancel(generation_id)
        if update.status == "running" and progress is not None and update.extra.get("loss") is not None:
            progress(update.step, update.total, update.extra["loss"])
    if update is None or update.status != "done":
        raise ValueError(update.error if update is not None and update.error
                         else f"Training ended {update.status if update else 'without a status'}.")
    return ctx.registry.spec(model_id(preset))

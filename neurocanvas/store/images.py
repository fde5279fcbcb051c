"""Image files under the data folder: PNG, written atomically, settings embedded as PNG text."""
from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import tempfile
import uuid
from pathlib import Path

from PIL import Image, PngImagePlugin

from neurocanvas.store.db import StoreError

PARAMETERS_KEY = "parameters"  # what AUTOMATIC1111's "PNG info" reads
OWN_KEY = "neurocanvas"  # our JSON, complete enough to regenerate the image


def a1111_parameters(meta: dict) -> str:
    """Render settings in AUTOMATIC1111's text layout: prompt, negative prompt, then 'Key: value' pairs."""
    lines = [meta.get("prompt", "")]
    if meta.get("negative_prompt"):
        lines.append(f"Negative prompt: {meta['negative_prompt']}")
    pairs = [("Steps", "num_inference_steps"), ("Sampler", "scheduler"), ("CFG scale", "guidance_scale"),
             ("Seed", "seed"), ("Model", "model_id")]
    fields = [f"{label}: {meta[key]}" for label, key in pairs if meta.get(key) not in (None, "")]
    if meta.get("width") and meta.get("height"):
        fields.append(f"Size: {meta['width']}x{meta['height']}")
    lines.append(", ".join(fields))
    return "\n".join(lines)


def encode_png(image: Image.Image, meta: dict) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text(PARAMETERS_KEY, a1111_parameters(meta))
    info.add_text(OWN_KEY, json.dumps(meta, sort_keys=True))
    buf = io.BytesIO()
    image.save(buf, format="PNG", pnginfo=info)
    return buf.getvalue()


def read_png_meta(path_or_file) -> dict:
    """Our JSON settings from a PNG, or {} when the file carries none."""
    with Image.open(path_or_file) as im:
        raw = im.info.get(OWN_KEY) or (im.text.get(OWN_KEY) if hasattr(im, "text") else None)
    return json.loads(raw) if raw else {}


def write_atomic(folder: Path, relpath: str, data: bytes) -> Path:
    """Write to a temp file in the same folder, fsync, then rename: a reader never sees half a file."""
    target = folder / relpath
    tmp_name = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".part-", suffix=".png")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, target)
        return target
    except OSError as exc:
        if tmp_name and os.path.exists(tmp_name):
            os.unlink(tmp_name)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StoreError(f"The disk holding {folder} is full: the image was not saved. Free some space and retry.") from exc
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise StoreError(f"The images folder {folder} is not writable: the image was not saved.") from exc
        raise StoreError(f"Could not save the image under {folder}: {exc.strerror or exc}.") from exc


def save_png(folder: Path, subdir: str, image: Image.Image, meta: dict) -> tuple[str, str]:
    """Save one image; returns (path relative to folder, sha256)."""
    data = encode_png(image, meta)
    relpath = f"{subdir}/{uuid.uuid4().hex}.png"
    write_atomic(folder, relpath, data)
    return relpath, hashlib.sha256(data).hexdigest()

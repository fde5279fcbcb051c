"""The preset paintings for style transfer: a local folder when configured, else downloaded once and kept."""
from __future__ import annotations

import json
from pathlib import Path

from neurocanvas.registry import PullError, RegistryError, fetch_file

PRESETS_FILE = Path(__file__).resolve().parent.parent / "presets" / "styles.json"


class PresetUnavailable(RegistryError):
    pass


def load_presets() -> dict[str, dict]:
    data = json.loads(PRESETS_FILE.read_text(encoding="utf-8"))
    return {p["id"]: {**p, "licence": data["licence"]} for p in data["styles"]}


def label(preset: dict) -> str:
    return f"{preset['artist']} — {preset['title']} ({preset['year']})"


def preset_image(preset_id: str, styles_dir: Path | None, models_dir: Path) -> Path:
    """The painting's file: the local folder first, then the download cache, then the network."""
    presets = load_presets()
    if preset_id not in presets:
        raise PresetUnavailable(f"Unknown style preset {preset_id!r}.")
    preset = presets[preset_id]
    if styles_dir is not None and (Path(styles_dir) / preset["file"]).is_file():
        return Path(styles_dir) / preset["file"]
    cached = Path(models_dir) / "styles" / preset["file"]
    if cached.is_file():
        return cached
    try:
        fetch_file(preset["url"], cached, None, None, {"User-Agent": "NeuroCanvas"}, lambda n: None, label(preset))
    except PullError as exc:
        raise PresetUnavailable(f"The painting {label(preset)} is not on this machine and could not be downloaded "
                                f"({exc}). Connect to the internet once, or start with --styles-dir pointing at a "
                                "folder of the paintings.") from exc
    return cached

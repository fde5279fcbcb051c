"""Style quality of every method that has real weights here: each preset painting x three public-domain photos
(scikit-image's astronaut, chelsea, coffee) at 512 px.

- style distance: Gram distance to the painting on EfficientNet-lite0's taps. The quick method minimises exactly
  this distance, so the measure favours it;
- colour distance: L1 between the colour histograms of the result and the painting, which no method
  optimises and no network shapes;
- content kept: luminance SSIM against the photo.

Classic (VGG19) needs a pull and fast networks need an 8-minute training per preset; neither has real weights
on a machine without the model hub, so they are listed as not measured. Writes bench/style_quality.md (the
table) and bench/style_sheet.png (photo, painting, then each method, one row per pair) for people to look at.
"""
from __future__ import annotations

import statistics
from pathlib import Path

from bench.common import Result
from bench.style_metrics import colour_distance, gram_distance, structure_kept

ROOT = Path(__file__).resolve().parent
STYLES = ROOT.parent.parent / "shared" / "styles"
PHOTOS = ("astronaut", "chelsea", "coffee")
TILE = 160


def run(runs: int = 1, calls: int = 0, smoke: bool = False, out: Path = ROOT) -> list[Result]:
    import torch
    from PIL import Image
    from skimage import data

    from neurocanvas.engines.instant_style import InstantStyle
    from neurocanvas.engines.instant_style import Request as InstantRequest
    from neurocanvas.engines.style_transfer import EfficientNetTaps, Request, StyleTransfer, resize_long_side
    from neurocanvas.registry import Registry, load_catalog
    from neurocanvas.style_presets import load_presets

    torch.set_num_threads(2)
    size, steps = (64, 4) if smoke else (512, 135)
    registry = Registry(load_catalog(), ROOT.parent / "models", threads=2)
    taps = EfficientNetTaps(registry.get("efficientnet-lite0"))
    instant = InstantStyle(registry.get("magenta-arbitrary"))
    presets = load_presets()
    here = [key for key, p in presets.items() if (STYLES / p["file"]).is_file()]
    absent = [key for key in presets if key not in here]
    photos = PHOTOS[:1] if smoke else PHOTOS
    here = here[:1] if smoke else here
    methods = {
        "photo": lambda picture, painting: resize_long_side(picture, size),  # the reference: no style at all
        "instant": lambda picture, painting: instant(InstantRequest(content=picture, styles=[(painting, 1.0)],
                                                                    size=size)).image,
        "quick": lambda picture, painting: StyleTransfer(taps)(Request(content=picture, styles=[(painting, 1.0)],
                                                                       size=size, steps=steps)).image,
    }
    scores: dict[str, list[tuple[str, str, float, float, float]]] = {m: [] for m in methods}
    rows = []
    for key in here:
        painting = Image.open(STYLES / presets[key]["file"]).convert("RGB")
        for name in photos:
            picture = Image.fromarray(getattr(data, name)())
            tiles = [resize_long_side(picture, TILE), resize_long_side(painting, TILE)]
            for method, paint in methods.items():
                image = paint(picture, painting)
                scores[method].append((key, name, gram_distance(taps, image, painting), structure_kept(image, picture),
                                       colour_distance(image, painting)))
                if method != "photo":
                    tiles.append(resize_long_side(image, TILE))
            rows.append(tiles)
    _contact_sheet(rows, out / "style_sheet.png")
    (out / "style_quality.md").write_text(_table(scores, here, absent, size), encoding="utf-8")
    results = []
    for method, values in scores.items():
        for index, measure in ((2, "Gram distance to the painting"), (3, "luminance SSIM vs photo"),
                               (4, "colour distance to the painting")):
            column = [v[index] for v in values]
            for how, figure in (("median", statistics.median(column)), ("lowest", min(column)),
                                ("highest", max(column))):
                results.append(Result(f"style quality {method}: {measure}, {how} of {len(column)}", "", figure,
                                      len(column)))
    return results


def _contact_sheet(rows: list[list], path: Path) -> None:
    from PIL import Image

    width = max(sum(t.width for t in row) for row in rows)
    sheet = Image.new("RGB", (width, TILE * len(rows)), "white")
    for r, row in enumerate(rows):
        x = 0
        for tile in row:
            sheet.paste(tile, (x, r * TILE))
            x += tile.width
    sheet.save(path)


def _table(scores: dict, here: list[str], absent: list[str], size: int) -> str:
    """Per preset, the mean over the photos of each measure for each method; then the whole grid's range."""
    methods, measures = list(scores), ((2, "Gram"), (4, "colour"), (3, "SSIM"))
    head = " | ".join(f"{m} {label}" for m in methods for _, label in measures)
    lines = [f"# Style quality at {size} px (`python -m bench --only style_quality`)", "",
             "Gram and colour: distance to the painting (lower = more stylised); SSIM: luminance against the photo "
             "(higher = more structure kept).", "",
             f"| preset | {head} |", "|---" * (1 + len(measures) * len(methods)) + "|"]
    for key in here:
        cells = [f"{statistics.mean(v[i] for v in scores[m] if v[0] == key):.3f}" for m in methods for i, _ in measures]
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    lines.append("")
    for m in methods:
        parts = []
        for i, label in measures:
            column = [v[i] for v in scores[m]]
            parts.append(f"{label} {min(column):.3f}-{max(column):.3f} (median {statistics.median(column):.3f})")
        lines.append(f"- {m}, {len(scores[m])} pairs: " + ", ".join(parts))
    lines.append("- classic (VGG19) and fast networks: not measured (no real weights on this machine).")
    if absent:
        lines.append(f"- presets without a local painting (../shared/styles), left out: {', '.join(absent)}.")
    return "\n".join(lines) + "\n"

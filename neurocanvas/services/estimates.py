"""How long a job should take, from this machine's own measured runs: positions and ETAs use it."""
from __future__ import annotations

import statistics
from typing import Iterable

DEFAULT_UNIT_SECONDS = 3.0  # a guess for one 512x512 step until this machine has measured one


def estimate_seconds(units: float, history: Iterable[tuple[float, float]]) -> float:
    """Seconds for a job of `units` (steps x images x megapixels/0.26), from this machine's past (units, seconds)."""
    rates = [seconds / u for u, seconds in history if u > 0 and seconds > 0]
    rate = statistics.median(rates) if rates else DEFAULT_UNIT_SECONDS
    return units * rate


def work_units(steps: int, images: int, width: int, height: int) -> float:
    """Steps x images x area in 512x512 frames: the cost model both the ETA and the history share."""
    return max(1, steps) * max(1, images) * (width * height) / (512 * 512)


def render_history(repo, model_id: str) -> list[tuple[float, float]]:
    """(units, seconds) of this machine's latest finished text-to-image runs of the model."""
    return [(work_units(p.get("num_inference_steps", 1), p.get("batch_size", 1), p.get("width", 512),
                        p.get("height", 512)), t.get("total", 0))
            for p, t in repo.recent_timings("text_to_image", model_id)]


def restyle_history(repo, method: str, one_pass: bool) -> list[tuple[float, float]]:
    """(units, seconds) of the latest finished restyles by the method; a one-pass network counts one step."""
    return [(work_units(1 if one_pass else p.get("steps", 1), 1, p.get("size", 512), p.get("size", 512)),
             t.get("total", 0)) for p, t in repo.recent_timings("style_transfer", method)]

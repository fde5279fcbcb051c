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

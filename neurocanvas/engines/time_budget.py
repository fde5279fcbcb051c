"""'Ready in N seconds': the model, steps, size and VAE that fit a time budget on this machine.

Pure: it gets the installed models' ranges and this machine's measured speeds, and predicts a render as a
fixed part (the text encoder, the pipeline's set-up) + steps x seconds-per-step + one decode, the last two
scaled by the picture's area (the UNet and the VAE are convolutional: their cost grows with the pixel count).
Measured here: SD-Turbo's fixed part is about 2 s of its 5 s at 512 px, so a purely proportional model
predicted 11.5 s for a 5 s render. Users think in seconds; the models think in steps.
"""
from __future__ import annotations

import dataclasses
import math
import statistics
from typing import Iterable

SCALES = (0.5, 0.625, 0.75, 0.875, 1.0)  # of a model's native size (512 px: 256...512); larger looks no better
MIN_SIZE = 64
BUDGETS = {"2 s": 2.0, "5 s": 5.0, "15 s": 15.0, "60 s": 60.0, "best quality": None}


class NoPlan(ValueError):
    """No installed model can meet the budget (or none is installed, or none is measured)."""


@dataclasses.dataclass(frozen=True)
class Option:
    """An installed text-to-image model the planner may pick, with its catalog ranges."""
    model_id: str
    name: str
    min_steps: int
    max_steps: int
    default_steps: int
    native_size: int = 512
    quality: int = 0  # higher is better looking at the same size (the catalog's `quality_rank`)
    tiny_vae: bool = False  # its tiny VAE is installed (and then always used: 10x faster decode)


@dataclasses.dataclass(frozen=True)
class Speed:
    """One model's measured speed on this machine: seconds per step and per decode of a 512x512 frame, and the
    seconds every render costs whatever its size and steps."""
    step_s: float
    decode_s: float
    runs: int
    fixed_s: float = 0.0


@dataclasses.dataclass(frozen=True)
class Plan:
    model_id: str
    name: str
    steps: int
    width: int
    height: int
    tiny_vae: bool
    predicted_s: float
    budget_s: float | None

    def describe(self) -> str:
        budget = "best quality" if self.budget_s is None else f"the {self.budget_s:g} s budget"
        vae = " with the tiny VAE" if self.tiny_vae else ""
        return (f"For {budget}: {self.name}, {self.steps} step(s) at {self.width}x{self.height}{vae}, "
                f"ready in about {self.predicted_s:.1f} s on this machine.")


def predict(speed: Speed, steps: int, width: int, height: int) -> float:
    area = width * height / (512 * 512)
    return speed.fixed_s + steps * speed.step_s * area + speed.decode_s * area


def speed_from(history: Iterable[tuple[dict, dict]], tiny_vae: bool) -> Speed | None:
    """This model's speed from finished runs' (params, timings): a line through (steps x area, denoise seconds)
    by Theil-Sen (the median of pairwise slopes: one slow run cannot tilt it), its intercept the fixed part;
    with one kind of run only, proportional. Decodes by the same kind of VAE are preferred (a full VAE decodes
    about 10x slower than TAESD)."""
    points, decodes = [], {True: [], False: []}
    for params, timings in history:
        images = max(1, int(params.get("batch_size", 1)))
        area = params.get("width", 512) * params.get("height", 512) / (512 * 512)
        steps = params.get("num_inference_steps", 1)
        if params.get("strength") is not None:
            steps = int(steps * params["strength"])
        if area <= 0 or steps < 1 or not timings.get("denoise"):
            continue
        points.append((steps * area, timings["denoise"] / images))
        decodes[bool(params.get("tiny_vae"))].append(timings.get("decode", 0.0) / (images * area))
    if not points:
        return None
    slopes = [(y2 - y1) / (x2 - x1) for i, (x1, y1) in enumerate(points) for x2, y2 in points[i + 1:]
              if abs(x2 - x1) > 1e-9]
    slope = statistics.median(slopes) if slopes else 0.0
    fixed = statistics.median(y - slope * x for x, y in points) if slope > 0 else 0.0
    if slope <= 0 or fixed < 0:  # one kind of run, or noise: the proportional model
        slope, fixed = statistics.median(y / x for x, y in points), 0.0
    decode = decodes[tiny_vae] or decodes[not tiny_vae]
    return Speed(slope, statistics.median(decode), len(points), fixed)


def candidates(option: Option) -> Iterable[tuple[int, int]]:
    """(steps, size) pairs for one model: half to all of its native size, steps up to its catalog default."""
    for size in sorted({max(MIN_SIZE, round(option.native_size * scale / 8) * 8) for scale in SCALES}):
        for steps in range(option.min_steps, max(option.min_steps, option.default_steps) + 1):
            yield steps, size


def plan(budget_s: float | None, options: list[Option], speeds: dict[str, Speed]) -> Plan:
    """The best-looking render predicted to finish within `budget_s` (None: the best there is, at the catalog's
    steps and the native size). Better means larger first, then the better model, then more steps."""
    measured = [o for o in options if o.model_id in speeds]
    if not options:
        raise NoPlan("No text-to-image model is installed: pull one (Profile > Models) first.")
    if not measured:
        raise NoPlan("This machine has no timings yet: press Calibrate (10-30 s), or render once.")
    if budget_s is not None and (not math.isfinite(budget_s) or budget_s <= 0):
        raise NoPlan(f"The budget must be a number of seconds above 0, not {budget_s}.")
    plans = [Plan(o.model_id, o.name, steps, size, size, o.tiny_vae,
                  round(predict(speeds[o.model_id], steps, size, size), 2), budget_s)
             for o in measured for steps, size in candidates(o)]
    if budget_s is None:
        best = max(measured, key=lambda o: (o.quality, o.native_size))
        return Plan(best.model_id, best.name, best.default_steps, best.native_size, best.native_size, best.tiny_vae,
                    round(predict(speeds[best.model_id], best.default_steps, best.native_size, best.native_size), 2),
                    None)
    rank = {o.model_id: o.quality for o in measured}
    fitting = [p for p in plans if p.predicted_s <= budget_s]
    if not fitting:
        fastest = min(plans, key=lambda p: p.predicted_s)
        raise NoPlan(f"No installed model is ready in {budget_s:g} s on this machine: the fastest option, "
                     f"{fastest.name} with {fastest.steps} step(s) at {fastest.width}x{fastest.height}, takes about "
                     f"{fastest.predicted_s:.1f} s.")
    return max(fitting, key=lambda p: (p.width, rank[p.model_id], p.steps, -p.predicted_s))

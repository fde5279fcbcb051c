"""Timing helpers and the result record every benchmark section returns."""
from __future__ import annotations

import dataclasses
import statistics
import time
from typing import Callable


@dataclasses.dataclass
class Result:
    name: str
    unit: str
    median: float
    runs: int
    baseline: str | None = None  # name of the result this one is compared with, measured in the same run
    ratio: float | None = None  # baseline median / this median: >1 means faster than the baseline

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def timed(fn: Callable[[], object], runs: int, warmup: int = 1) -> list[float]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def result(name: str, times: list[float], unit: str = "s") -> Result:
    return Result(name=name, unit=unit, median=statistics.median(times), runs=len(times))


def with_ratios(results: list[Result], pairs: dict[str, str]) -> list[Result]:
    """Fill ratio for each `name -> baseline name` pair (baseline time / this time)."""
    by_name = {r.name: r for r in results}
    for name, baseline in pairs.items():
        if name in by_name and baseline in by_name and by_name[name].median > 0:
            by_name[name].baseline = baseline
            by_name[name].ratio = by_name[baseline].median / by_name[name].median
    return results

"""Prompt analysis: cold first call (imports, MiniLM load, lexicon embedding) and warm latency p50/p95."""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.common import Result, result

ROOT = Path(__file__).resolve().parent.parent
COLD = """
import time, json, sys; t = time.perf_counter()
sys.path.insert(0, {root!r})
import neurocanvas
from neurocanvas.registry import Registry, load_catalog
from neurocanvas.handlers.prompt_lab import build_analyzer, PRESETS_DIR
a = build_analyzer(Registry(load_catalog(), {models!r}), json.loads((PRESETS_DIR / "prompt_lexicon.json").read_text()))
a.analyze("a lighthouse in a storm, oil painting")
print(time.perf_counter() - t)
"""


def run(runs: int = 3, calls: int = 200, smoke: bool = False) -> list[Result]:
    from neurocanvas.handlers.prompt_lab import PRESETS_DIR, build_analyzer
    from neurocanvas.registry import Registry, load_catalog
    from tests.engines.prompt_eval import load_eval

    cold = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", COLD.format(root=str(ROOT), models=str(ROOT / "models"))],
                             capture_output=True, text=True, check=True, cwd=ROOT)
        cold.append(float(out.stdout.strip().splitlines()[-1]))
    analyzer = build_analyzer(Registry(load_catalog(), ROOT / "models"),
                              json.loads((PRESETS_DIR / "prompt_lexicon.json").read_text()))
    prompts = [row["prompt"] for row in load_eval()]
    for p in prompts[:10]:
        analyzer.analyze(p)  # warm-up
    warm = []
    for i in range(calls):
        started = time.perf_counter()
        analyzer.analyze(prompts[i % len(prompts)] + ("" if i < len(prompts) else f", variation {i}"))
        warm.append((time.perf_counter() - started) * 1000)
    p95 = statistics.quantiles(warm, n=20)[-1] if len(warm) >= 20 else max(warm)
    return [result("prompt analysis, cold first call (new process)", cold),
            result("prompt analysis, warm (median)", warm, unit="ms"),
            Result(name="prompt analysis, warm p95", unit="ms", median=p95, runs=len(warm))]

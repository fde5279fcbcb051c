"""'Ready in N seconds' (issue 20): calibrate as the studio does, plan each budget with the studio's planner, render
the plan, and check the warm render lands within 25 % of its prediction and within its budget.

Random-weight models with the real layer sizes (SD-Turbo, and SDXS-512 by its approximate UNet), in one child
process. Each planned render runs twice: the first at a new size builds its kernels, the second is the warm one,
and both feed the history the next plan reads, as finished jobs do in the studio.
"""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from pathlib import Path

from bench.common import Result

ROOT = Path(__file__).resolve().parent.parent
BUDGETS_S = (2.0, 5.0, 15.0, 60.0)
MODELS = {"sd-turbo": "sd-turbo", "sdxs-512": "sdxs-512 (approx. UNet)"}  # catalog id -> bench_text_to_image's model
TOLERANCE = 0.25


def _engines(smoke: bool) -> dict:
    from neurocanvas.engines.text_to_image import TextToImage

    if smoke:  # the tests' tiny pipeline, as the studio loads it
        import tempfile

        from diffusers import AutoPipelineForText2Image

        from tests.fixtures import build_tiny_sd

        pipe = AutoPipelineForText2Image.from_pretrained(str(build_tiny_sd(Path(tempfile.mkdtemp()) / "tiny-sd")))
        pipe.set_progress_bar_config(disable=True)
        return {"sd-turbo": TextToImage(pipe)}
    from bench.bench_text_to_image import MODELS as SHAPES, _pipeline

    engines = {}
    for model_id, shape in MODELS.items():
        unet, text, pipeline, scheduler, *_ = SHAPES[shape]
        engines[model_id] = TextToImage(_pipeline(unet, text, pipeline, scheduler, full_vae=False))  # TAESD decodes
    return engines


def worker(smoke: bool) -> dict:
    import torch

    import neurocanvas  # noqa: F401
    from neurocanvas.engines.text_to_image import Request
    from neurocanvas.engines.time_budget import NoPlan, Option, plan, speed_from
    from neurocanvas.services.calibrate import SIZES, WARM_SIZE

    torch.set_num_threads(2)
    catalog = {m["id"]: m for m in json.loads((ROOT / "presets" / "models.json").read_text())["models"]}
    engines, options, history = _engines(smoke), [], {}
    native = 64 if smoke else 512
    prompt = "a lighthouse on a cliff at dusk, oil painting"
    for model_id, engine in engines.items():
        d = catalog[model_id]["defaults"]
        options.append(Option(model_id, catalog[model_id]["name"], d["min_steps"], d["max_steps"],
                              d["num_inference_steps"], native, d.get("quality_rank", 0), tiny_vae=True))
        warm = Request(prompt=prompt, num_inference_steps=d["min_steps"], guidance_scale=d["guidance_scale"],
                       width=min(WARM_SIZE, native), height=min(WARM_SIZE, native), tiny_vae=False)
        engine(warm)  # the calibration job's renders (services/calibrate.py): an untimed warm-up, then one per size
        runs = [dataclasses.replace(warm, width=min(size, native), height=min(size, native)) for size in SIZES]
        history[model_id] = [({**dataclasses.asdict(run), "tiny_vae": True}, engine(run).timings) for run in runs]
    rows = []
    for budget in BUDGETS_S:
        speeds = {m: speed_from(h, tiny_vae=True) for m, h in history.items()}
        try:
            chosen = plan(budget, options, speeds)
        except NoPlan as refused:
            rows.append({"budget": budget, "refused": str(refused)})
            continue
        d = catalog[chosen.model_id]["defaults"]
        request = Request(prompt=prompt, num_inference_steps=chosen.steps, guidance_scale=d["guidance_scale"],
                          width=chosen.width, height=chosen.height, tiny_vae=False)
        seconds = []
        for _ in range(2):
            started = time.perf_counter()
            result = engines[chosen.model_id](request)
            seconds.append(time.perf_counter() - started)
            history[chosen.model_id].append(({**dataclasses.asdict(request), "tiny_vae": True}, result.timings))
        rows.append({"budget": budget, "plan": chosen.describe(), "model": chosen.model_id, "steps": chosen.steps,
                     "size": chosen.width, "predicted": chosen.predicted_s, "warm": seconds[-1], "first": seconds[0]})
    return {"rows": rows}


def run(runs: int = 1, calls: int = 0, smoke: bool = False) -> list[Result]:
    out = subprocess.run([sys.executable, "-m", "bench.bench_budget", "smoke" if smoke else "full"],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    rows = json.loads(out.stdout.strip().splitlines()[-1])["rows"]
    results = []
    for row in rows:
        if "refused" in row:
            print(f"budget {row['budget']:g} s: refused: {row['refused']}")
            continue
        off = row["warm"] / row["predicted"] - 1
        verdict = "ok" if abs(off) <= TOLERANCE and row["warm"] <= row["budget"] * (1 + TOLERANCE) else "MISSED"
        print(f"budget {row['budget']:g} s: {row['plan']} Warm render {row['warm']:.2f} s ({off:+.0%}), "
              f"first at this size {row['first']:.2f} s: {verdict}")
        results.append(Result(f"budget {row['budget']:g} s: {row['model']} {row['steps']} step(s) {row['size']}px, "
                              f"predicted {row['predicted']:.2f} s, {verdict}", "s", row["warm"], 1))
    return results


if __name__ == "__main__":
    print(json.dumps(worker(sys.argv[1] == "smoke")))

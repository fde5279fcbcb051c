"""Job overhead: from submit to the job's first step, on the default engine (SQLite queue in the data folder,
the studio's own worker threads) and on Redis (a redis-server started here, when it is installed), with the
tiny pipeline so that the figure is the engine's cost, not the model's."""
from __future__ import annotations

import dataclasses
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import Result, result


def _overheads(settings, built: Path, runs: int) -> list[float]:
    from neurocanvas.context import build_context
    from neurocanvas.engines.text_to_image import Request
    from neurocanvas.services.generate import render_inputs
    from tests.fixtures import install_tiny_models

    ctx = build_context(settings)
    install_tiny_models(ctx.registry, built)
    ctx.jobs.start()
    times = []
    try:
        for i in range(runs + 1):  # the first run loads the model: not counted
            job = Request(prompt="a fox", num_inference_steps=2, width=64, height=64, seed=i)
            started = time.perf_counter()
            gid = ctx.jobs.submit("bench", "text_to_image", {"model_id": "tiny-sd"},
                                  inputs=render_inputs(job, "tiny-sd", None), model_ids=["tiny-sd"])
            while (ctx.jobs.huey.get(f"nc:progress:{gid}", peek=True) or {}).get("step", 0) < 1:
                if ctx.jobs.rows.get(gid).status in ("done", "failed", "cancelled", "interrupted"):
                    break
                time.sleep(0.002)
            first_step = time.perf_counter() - started
            while ctx.jobs.rows.get(gid).status not in ("done", "failed", "cancelled", "interrupted"):
                time.sleep(0.01)
            if i:
                times.append(first_step)
    finally:
        ctx.jobs.stop()
        ctx.repo.db.close()
    return times


def run(runs: int = 10, calls: int = 0, smoke: bool = False) -> list[Result]:
    from neurocanvas.config import Settings
    from tests.conftest import free_port
    from tests.fixtures import build_all

    runs = 2 if smoke else runs
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        built = build_all(tmp / "built")
        base = Settings(data_dir=tmp / "data", models_dir=tmp / "models", threads=1)
        results = [result("job overhead, default engine: submit to first step", _overheads(base, built, runs))]
        server = shutil.which("redis-server")
        if server:
            port = free_port()
            proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp)],
                                    stdout=subprocess.DEVNULL)
            try:
                time.sleep(0.5)
                redis = dataclasses.replace(base, data_dir=tmp / "data-redis", broker_url=f"redis://127.0.0.1:{port}/0")
                results.append(result("job overhead, Redis: submit to first step", _overheads(redis, built, runs)))
            finally:
                proc.terminate()
                proc.wait(10)
    return results

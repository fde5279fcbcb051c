"""Load test (a script, not a timed test): N clients submit generations with the tiny pipeline at once.

    python -m bench.load_test [--clients 10] [--cancel 2]

Checks that every job ends done or cancelled (none lost or stuck), that each waiting job's reported
queue position never goes up, and that the images on disk match the finished jobs. Exits 1 on a failure.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

import neurocanvas  # noqa: F401  (thread and environment defaults before torch)

FORM = ["a fox in the snow", "", "tiny-sd", 4, 0.0, 64, 64, 0, 2, "default", True]


def run(clients: int = 10, cancel: int = 2, workdir: Path | None = None) -> dict:
    from gradio_client import Client

    from neurocanvas.config import Settings
    from neurocanvas.context import build_context
    from neurocanvas.store.tables import Generation, Image
    from neurocanvas.ui.app import build_app, launch
    from tests.conftest import free_port
    from tests.fixtures import build_all, install_tiny_models

    workdir = Path(workdir or tempfile.mkdtemp(prefix="nc-load-"))
    ctx = build_context(Settings(data_dir=workdir / "data", models_dir=workdir / "models", port=free_port(), threads=1))
    install_tiny_models(ctx.registry, build_all(workdir / "built"))
    demo = launch(build_app(ctx), ctx, prevent_thread_lock=True)
    try:
        started = time.perf_counter()
        users = [Client(demo.local_url, verbose=False, download_files=False) for _ in range(clients)]
        jobs = [None] * clients

        def submit(i: int) -> None:
            jobs[i] = users[i].submit(*FORM[:7], i, *FORM[8:], api_name="/text_to_image")

        threads = [threading.Thread(target=submit, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        cancelled = set()
        deadline = time.time() + 60
        while len(cancelled) < cancel and time.time() < deadline:  # cancel the last jobs while they wait
            for i in range(clients - 1, -1, -1):
                if len(cancelled) < cancel and i not in cancelled and any("position" in str(o[2]) for o in jobs[i].outputs() if o):
                    jobs[i].cancel()
                    cancelled.add(i)
            time.sleep(0.05)
        for job in jobs:
            while not job.done():
                time.sleep(0.05)
        seconds = time.perf_counter() - started
        time.sleep(1.0)  # cancelled generators close on the server a moment after the client lets go
        positions = [[int(m.group(1)) for o in job.outputs() if o
                      for m in [re.search(r"position (\d+) in the queue", str(o[2]))] if m] for job in jobs]
        statuses = [g.status for g in Generation.select()]
        done_ids = [g.id for g in Generation.select().where(Generation.status == "done")]
        images = Image.select().count()
        failures = []
        if len(statuses) != clients:
            failures.append(f"{len(statuses)} jobs recorded for {clients} submitted")
        stray = [s for s in statuses if s not in ("done", "cancelled")]
        if stray:
            failures.append(f"jobs left {sorted(set(stray))}")
        if any(p != sorted(p, reverse=True) for p in positions):
            failures.append(f"a queue position went up: {positions}")
        if images != 2 * len(done_ids):
            failures.append(f"{images} images for {len(done_ids)} finished jobs of 2")
        if ctx.jobs.snapshot():
            failures.append(f"the queue is not empty: {ctx.jobs.snapshot()}")
        return {"clients": clients, "seconds": round(seconds, 1), "done": statuses.count("done"),
                "cancelled": statuses.count("cancelled"), "max_position": max((max(p) for p in positions if p), default=0),
                "positions": positions, "failures": failures}
    finally:
        demo.close()
        ctx.repo.db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load_test")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--cancel", type=int, default=2)
    args = parser.parse_args(argv)
    summary = run(args.clients, args.cancel)
    print(f"{summary['clients']} clients in {summary['seconds']} s: {summary['done']} done, "
          f"{summary['cancelled']} cancelled; deepest queue position {summary['max_position']}")
    for line in summary["failures"]:
        print(f"FAIL: {line}")
    return 1 if summary["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())

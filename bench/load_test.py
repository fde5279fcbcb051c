"""Load tests (scripts, not timed tests) with the tiny pipeline, through the client API.

    python -m bench.load_test [--clients 10] [--cancel 2]           # a burst of renders at once
    python -m bench.load_test --mixed --clients 20 --duration 60    # light calls while renders run

The burst checks that every job ends done or cancelled (none lost or stuck), that each waiting job's
reported queue position never goes up, and that the images on disk match the finished jobs. The mixed run
has each client loop light calls (profile, gallery, prompt analysis, recommendations) with a tiny render
every few calls, and reports light-call latency (p50/p95) and every error. Exits 1 on a failure.
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


LIGHT = [("/profile", ()), ("/gallery", (1, "", "", False, "", "", "newest")),
         ("/analyze_prompt", ("a lighthouse in a storm, oil painting",)), ("/recommend", ())]


def _studio(workdir: Path | None, heavy_concurrency: int = 1):
    from neurocanvas.config import Settings
    from neurocanvas.context import build_context
    from neurocanvas.ui.app import build_app, launch
    from tests.conftest import free_port
    from tests.fixtures import build_all, install_tiny_models

    workdir = Path(workdir or tempfile.mkdtemp(prefix="nc-load-"))
    ctx = build_context(Settings(data_dir=workdir / "data", models_dir=workdir / "models", port=free_port(), threads=1,
                                 heavy_concurrency=heavy_concurrency, queue_size=64,
                                 max_jobs_per_user=64))  # every client is the one local user
    install_tiny_models(ctx.registry, build_all(workdir / "built"))
    return ctx, launch(build_app(ctx), ctx, prevent_thread_lock=True, _frontend=False)


def _close(ctx, demo) -> None:
    demo.close()
    ctx.jobs.stop()
    ctx.repo.db.close()


def mixed(clients: int = 20, duration: float = 60, render_every: int = 4, workdir: Path | None = None) -> dict:
    """Each client loops light calls for `duration` seconds, submitting a tiny render every few calls."""
    import statistics

    from gradio_client import Client

    from neurocanvas.store.tables import Generation

    ctx, demo = _studio(workdir, heavy_concurrency=2)  # two renders at once, as the target asks
    latencies: list[float] = []
    by_endpoint: dict[str, list[float]] = {}
    errors: list[str] = []
    renders: list = []
    lock = threading.Lock()
    try:
        Client(demo.local_url, verbose=False).predict(*LIGHT[2][1], api_name=LIGHT[2][0])  # MiniLM loaded once
        end = time.perf_counter() + duration

        def client(i: int) -> None:
            c = Client(demo.local_url, verbose=False, download_files=False)
            n = 0
            while time.perf_counter() < end:
                n += 1
                try:
                    if n % render_every == 0:
                        job = c.submit(*FORM[:7], i * 1000 + n, 1, *FORM[9:], api_name="/text_to_image")
                        with lock:
                            renders.append(job)
                        continue
                    name, args = LIGHT[n % len(LIGHT)]
                    started = time.perf_counter()
                    c.predict(*args, api_name=name)
                    with lock:
                        latencies.append((time.perf_counter() - started) * 1000)
                        by_endpoint.setdefault(name, []).append(latencies[-1])
                except Exception as exc:  # every error counts: the target is none
                    with lock:
                        errors.append(f"{type(exc).__name__}: {str(exc)[:120]}")

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for job in renders:
            try:
                job.result(timeout=120)
            except Exception as exc:
                errors.append(f"render: {type(exc).__name__}: {str(exc)[:120]}")
        rows = list(Generation.select())
        unfinished = [g.id for g in rows if g.status not in ("done", "failed", "cancelled", "interrupted")]
        if unfinished:
            errors.append(f"jobs without a final status: {unfinished}")
        errors += [f"job {g.id} {g.status} without a reason" for g in rows if g.status == "failed" and not g.error]
        p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) >= 20 else max(latencies, default=0)
        return {"clients": clients, "seconds": duration, "light_calls": len(latencies), "renders": len(rows),
                "done": sum(g.status == "done" for g in rows), "light_p50_ms": round(statistics.median(latencies), 1),
                "light_p95_ms": round(p95, 1), "errors": errors,
                "p50_by_endpoint_ms": {k: round(statistics.median(v), 1) for k, v in by_endpoint.items()}}
    finally:
        _close(ctx, demo)


def run(clients: int = 10, cancel: int = 2, workdir: Path | None = None) -> dict:
    from gradio_client import Client

    from neurocanvas.store.tables import Generation, Image

    ctx, demo = _studio(workdir)
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
        _close(ctx, demo)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load_test")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--cancel", type=int, default=2)
    parser.add_argument("--mixed", action="store_true", help="light calls while tiny renders run")
    parser.add_argument("--duration", type=float, default=60)
    args = parser.parse_args(argv)
    if args.mixed:
        summary = mixed(args.clients, args.duration)
        print(f"{summary['clients']} clients for {summary['seconds']:.0f} s: {summary['light_calls']} light calls, "
              f"p50 {summary['light_p50_ms']} ms, p95 {summary['light_p95_ms']} ms; {summary['renders']} renders, "
              f"{summary['done']} done; {len(summary['errors'])} errors; p50 by endpoint {summary['p50_by_endpoint_ms']}")
        for line in summary["errors"][:20]:
            print(f"FAIL: {line}")
        return 1 if summary["errors"] else 0
    summary = run(args.clients, args.cancel)
    print(f"{summary['clients']} clients in {summary['seconds']} s: {summary['done']} done, "
          f"{summary['cancelled']} cancelled; deepest queue position {summary['max_position']}")
    for line in summary["failures"]:
        print(f"FAIL: {line}")
    return 1 if summary["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())

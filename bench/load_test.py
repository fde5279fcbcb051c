"""Load tests (scripts, not timed tests) with the tiny pipeline, through the client API.

    python -m bench.load_test [--clients 10] [--cancel 2]           # a burst of renders at once
    python -m bench.load_test --mixed --clients 20 --duration 60    # light calls while renders run

The burst checks that every job ends done or cancelled (none lost or stuck), that each waiting job's
reported queue position never goes up, and that the images on disk match the finished jobs. The mixed run
starts the studio in its own process (`--worker-process`: its jobs in a niced worker process beside it) and
has each client loop light calls (profile, gallery, prompt analysis, recommendations) through the REST API,
with a think time (arriving one by one over the first 1.5 think times) and one tiny render at a time every few
calls; it reports light-call latency (p50/p95) while renders run, and every error. Exits 1 on a failure.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

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


def _serve(workdir: Path, worker_process: bool) -> tuple[str, list[subprocess.Popen]]:
    """The studio in a process of its own, as `make run` starts it, on the tiny models: its jobs in its niced
    worker process (the default), or with `worker_process` off in its own threads. Returns (url, processes)."""
    from neurocanvas.registry import Registry, load_catalog
    from tests.conftest import free_port
    from tests.fixtures import TINY_SPECS, build_all, install_tiny_models

    models, built = workdir / "models", workdir / "built"
    if not built.exists():
        build_all(built)
    install_tiny_models(Registry(load_catalog(), models), built)  # copied and registered as installed
    for model_id in TINY_SPECS:  # a local catalog entry in each folder: the studio's registry adopts it at start
        spec = dataclasses.asdict(TINY_SPECS[model_id])
        spec["source"] = {"type": "local", "command": "python -m bench.load_test (random weights)"}
        (models / model_id / "catalog.json").write_text(json.dumps({"models": [spec]}))
    port = free_port()
    common = ["--data-dir", str(workdir / "data"), "--models-dir", str(models), "--threads", "1"]
    studio = [sys.executable, "-m", "neurocanvas", "run", *common, "--port", str(port), "--heavy-concurrency", "2",
              "--queue-size", "64", "--max-jobs-per-user", "64"]  # every client is the one local user
    log = open(workdir / "studio.log", "ab")
    processes = [subprocess.Popen(studio + ([] if worker_process else ["--no-worker-process"]), stdout=log,
                                  stderr=log)]  # the default starts its niced worker process itself
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return url, processes
        except httpx.HTTPError:
            time.sleep(0.5)
    raise RuntimeError(f"the studio did not start in 180 s; see {workdir / 'studio.log'}")


def call(http: httpx.Client, session: str, api_name: str, args: list, timeout: float = 120) -> list:
    """One call through Gradio's REST API (POST, then read the event stream); raises on an error event."""
    answer = http.post(f"/gradio_api/call/{api_name}", json={"data": list(args), "session_hash": session})
    answer.raise_for_status()
    event_id = answer.json()["event_id"]
    with http.stream("GET", f"/gradio_api/call/{api_name}/{event_id}", timeout=timeout) as stream:
        kind = None
        for line in stream.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind in ("complete", "error"):
                if kind == "error":
                    raise RuntimeError(f"{api_name}: {line[6:200]}")
                return json.loads(line[6:])
    raise RuntimeError(f"{api_name}: the stream ended without a result")


def mixed(clients: int = 20, duration: float = 60, render_every: int = 8, think_s: float = 1.0,
          worker_process: bool = True, workdir: Path | None = None) -> dict:
    """Each client loops light calls with a think time, and keeps one tiny render going every few actions.

    Clients speak Gradio's REST API, each with its own session (as a browser tab has): gradio_client polls
    every 50 ms and cost more CPU in this process than the studio spent answering (see the closing notes)."""
    import random
    import statistics

    workdir = Path(workdir or tempfile.mkdtemp(prefix="nc-load-"))
    url, processes = _serve(workdir, worker_process)
    latencies: list[float] = []
    by_endpoint: dict[str, list[float]] = {}
    errors: list[str] = []
    renders = {"submitted": 0, "done": 0, "seconds": []}
    lock = threading.Lock()
    try:
        with httpx.Client(base_url=url, timeout=60) as http:
            call(http, uuid.uuid4().hex, LIGHT[2][0].lstrip("/"), list(LIGHT[2][1]))  # MiniLM loaded once
        end = time.perf_counter() + duration

        def render(http: httpx.Client, session: str, seed: int) -> None:
            started = time.perf_counter()
            try:
                call(http, session, "text_to_image", [*FORM[:7], seed, 1, *FORM[9:]], timeout=300)
                with lock:
                    renders["done"] += 1
                    renders["seconds"].append(time.perf_counter() - started)
            except Exception as exc:  # every error counts: the target is none
                with lock:
                    errors.append(f"render: {type(exc).__name__}: {str(exc)[:160]}")

        def client(i: int) -> None:
            # two sessions, as a page's one for all its events: Gradio's REST stream follows a whole session
            session, render_session, n, rendering = uuid.uuid4().hex, uuid.uuid4().hex, 0, None
            # people arrive one by one: started together, all 20 first calls (the gallery) landed within 0.1 s and
            # were the whole of /gallery's p95 tail (0.96-1.05 s against a p50 of 28 ms; see the closing notes)
            time.sleep(think_s * random.uniform(0, 1.5))
            with httpx.Client(base_url=url, timeout=60) as http:
                while time.perf_counter() < end or n < len(LIGHT):  # every endpoint at least once, however slow
                    n += 1
                    if n % render_every == 0 and (rendering is None or not rendering.is_alive()):
                        rendering = threading.Thread(target=render, args=(http, render_session, i * 1000 + n))
                        rendering.start()
                        with lock:
                            renders["submitted"] += 1
                    name, args = LIGHT[n % len(LIGHT)]
                    started = time.perf_counter()
                    try:
                        call(http, session, name.lstrip("/"), list(args))
                        with lock:
                            latencies.append((time.perf_counter() - started) * 1000)
                            by_endpoint.setdefault(name, []).append(latencies[-1])
                    except Exception as exc:
                        with lock:
                            errors.append(f"{name}: {type(exc).__name__}: {str(exc)[:160]}")
                    time.sleep(think_s * random.uniform(0.5, 1.5))
                if rendering is not None:
                    rendering.join(timeout=300)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for process in processes:
            process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    with sqlite3.connect(workdir / "data" / "neurocanvas.db") as db:
        rows = db.execute("SELECT id, status, error FROM generation").fetchall()
    errors += [f"job {i} left {status}" for i, status, _ in rows if status in ("queued", "running")]
    errors += [f"job {i} {status} without a reason" for i, status, error in rows if status == "failed" and not error]
    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) >= 20 else max(latencies, default=0)
    return {"clients": clients, "seconds": duration, "workers": "in a niced child process" if worker_process else "in the studio's threads",
            "light_calls": len(latencies), "renders": renders["submitted"], "done": renders["done"],
            "render_p50_s": round(statistics.median(renders["seconds"]), 2) if renders["seconds"] else None,
            "light_p50_ms": round(statistics.median(latencies), 1) if latencies else None,
            "light_p95_ms": round(p95, 1), "errors": errors,
            "p50_by_endpoint_ms": {k: round(statistics.median(v), 1) for k, v in sorted(by_endpoint.items())},
            "p95_by_endpoint_ms": {k: round(statistics.quantiles(v, n=20)[-1] if len(v) >= 20 else max(v), 1)
                                   for k, v in sorted(by_endpoint.items())}}


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
    parser.add_argument("--worker-process", action=argparse.BooleanOptionalAction, default=True,
                        help="the studio's default, its jobs in a niced child process (--no-worker-process: its threads)")
    args = parser.parse_args(argv)
    if args.mixed:
        summary = mixed(args.clients, args.duration, worker_process=args.worker_process)
        print(f"{summary['clients']} clients for {summary['seconds']:.0f} s, workers {summary['workers']}: "
              f"{summary['light_calls']} light calls, p50 {summary['light_p50_ms']} ms, p95 {summary['light_p95_ms']} ms; "
              f"{summary['renders']} renders, {summary['done']} done (p50 {summary['render_p50_s']} s); "
              f"{len(summary['errors'])} errors; p50 by endpoint {summary['p50_by_endpoint_ms']}, "
              f"p95 {summary['p95_by_endpoint_ms']}")
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

"""Command line: `run` (the studio), `pull ID...` (download models), `models` (the catalog), `train-style`,
`export-openvino ID` (a text-to-image model's UNet for OpenVINO)."""
from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Sequence

from neurocanvas.config import SettingsError, load_settings, load_settings_and_rest

USAGE = """usage: python -m neurocanvas [run] [options]     start the studio (see --help)
       python -m neurocanvas pull ID [ID...]     download models into the models folder
       python -m neurocanvas pull --defaults     download the recommended models
       python -m neurocanvas models              list the catalog and what is installed
       python -m neurocanvas worker [--workers N] [options]
                                                 run jobs for a studio (same --broker, or the same --data-dir)
       python -m neurocanvas train-style PRESET [--photos DIR] [--steps N] [--size PX] [--channels C]
                                                 train a fast style network for a preset here
       python -m neurocanvas export-openvino ID [--int8]
                                                 convert a pulled text-to-image model's UNet for OpenVINO"""

DEFAULT_PULLS = ["sd-turbo", "taesd", "clip-vit-b-32"]


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv.pop(0) if argv and not argv[0].startswith("-") else "run"
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if command == "run":
            return _run(argv)
        if command == "pull":
            return _pull(argv)
        if command == "models":
            return _models(argv)
        if command == "train-style":
            return _train_style(argv)
        if command == "worker":
            return _worker(argv)
        if command == "export-openvino":
            return _export(argv)
    except SettingsError as exc:
        print(f"neurocanvas: {exc}", file=sys.stderr)
        return 2
    print(USAGE, file=sys.stderr)
    return 2


def _context(settings):
    from neurocanvas.context import build_context

    return build_context(settings)


def _run(argv: list[str]) -> int:
    import dataclasses

    from neurocanvas.registry import RegistryError
    from neurocanvas.services.worker_process import WorkerProcess
    from neurocanvas.store import StoreError

    settings = load_settings(argv)
    # The web process's event loop makes many short system calls per request (path checks, sockets); each one
    # hands the GIL over and waits up to the switch interval (5 ms) to get it back from busy handler threads.
    # 1 ms took the light calls' p95 under `make load-test` from 292 to 179 ms (renders run in the worker process).
    sys.setswitchinterval(0.001)
    child = None
    if settings.local_worker and settings.worker_process:  # the jobs run beside the studio, not in its threads
        child = WorkerProcess(settings.data_dir, settings.heavy_concurrency, argv)
        settings = dataclasses.replace(settings, local_worker=False)
    try:
        from neurocanvas.context import build_context
        from neurocanvas.ui.app import build_app, launch

        ctx = build_context(settings)
        ctx.worker_process = child
        demo = build_app(ctx, warmup=True)
    except (StoreError, RegistryError) as exc:
        print(f"neurocanvas: {exc}", file=sys.stderr)
        return 1
    print(f"NeuroCanvas: http://{settings.host}:{settings.port}", flush=True)
    if child is not None:
        child.start()
    try:
        launch(demo, ctx)
    finally:
        if child is not None:
            child.stop()
    return 0


def _worker(argv: list[str]) -> int:
    """Run jobs from the broker (or the data folder's queue) until stopped; results go back to the studio."""
    import argparse
    import os
    import signal
    import threading

    from neurocanvas.context import build_worker
    from neurocanvas.services.worker_process import ControlWatch, parent_gone

    settings, rest = load_settings_and_rest(argv)
    parser = argparse.ArgumentParser(prog="neurocanvas worker")
    parser.add_argument("--workers", type=int, default=1, help="jobs this worker runs at once (default 1)")
    parser.add_argument("--nice", type=int, default=0, help="lower this worker's CPU priority by N (0-19)")
    parser.add_argument("--parent", type=int, help="exit when this process (the studio that started it) is gone")
    args = parser.parse_args(rest)
    if not 1 <= args.workers <= 16:
        raise SettingsError(f"--workers must be between 1 and 16, not {args.workers}.")
    if not 0 <= args.nice <= 19:
        raise SettingsError(f"--nice must be between 0 and 19, not {args.nice}.")
    if args.nice and hasattr(os, "nice"):
        os.nice(args.nice)
    service = build_worker(settings)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    control = ControlWatch(settings.data_dir, service.runtime.registry)
    service.start_workers(args.workers)
    where = settings.broker_url.split("@")[-1] if settings.broker_url else f"{settings.data_dir}/jobs.db"
    print(f"NeuroCanvas worker {service.worker_name}: {args.workers} job(s) at a time from {where}", flush=True)
    while not stop.wait(1.0) and not (args.parent and parent_gone(args.parent)):
        control.check()
    service.stop()
    return 0


def _pull(argv: list[str]) -> int:
    from neurocanvas.registry import RegistryError

    settings, ids = load_settings_and_rest(argv)
    if "--defaults" in ids:
        ids = [i for i in ids if i != "--defaults"] + DEFAULT_PULLS
    if not ids or any(i.startswith("-") for i in ids):
        print(USAGE, file=sys.stderr)
        return 2
    ctx = _context(settings)
    failed = 0
    for model_id in ids:
        try:
            spec = ctx.registry.spec(model_id)
            print(f"{spec.name}: {spec.size_mb:.0f} MB, licence: {spec.licence}", flush=True)
            path = ctx.registry.pull(model_id, progress=_terminal_progress())
            print(f"\n{model_id}: installed at {path}")
        except RegistryError as exc:
            print(f"\n{model_id}: {exc}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


def _terminal_progress():
    state = {"last": -1}

    def report(done: int, total: int, desc: str) -> None:
        percent = int(100 * done / total) if total else 0
        if percent != state["last"]:
            state["last"] = percent
            bar = "#" * (percent // 4)
            print(f"\r  [{bar:<25}] {percent:3d}%  {done / 1e6:8.1f} / {total / 1e6:.1f} MB", end="", flush=True)

    return report


def _models(argv: list[str]) -> int:
    ctx = _context(load_settings(argv))
    for row in ctx.registry.status():
        print(f"{row['id']:<24} {row['task']:<15} {row['state']:<15} {row['size_mb']:>7.0f} MB  {row['licence']}")
    return 0


def _train_style(argv: list[str]) -> int:
    import argparse
    import time

    from neurocanvas.registry import RegistryError
    from neurocanvas.style_training import train_style

    settings, rest = load_settings_and_rest(argv)
    parser = argparse.ArgumentParser(prog="python -m neurocanvas train-style")
    parser.add_argument("preset", help="a style preset id (see presets/styles.json)")
    parser.add_argument("--photos", type=Path, help="folder of your photos to train on (default: the gallery)")
    parser.add_argument("--steps", type=int, default=1500, help="training steps (about 0.3 s each at 256 px)")
    parser.add_argument("--size", type=int, default=256, help="training crop size in pixels")
    parser.add_argument("--channels", type=int, default=16, help="network width: 16 (fast) or 32 (Johnson's)")
    parser.add_argument("--features", default="efficientnet-lite0", help="feature network for the losses")
    args = parser.parse_args(rest)
    started = time.perf_counter()

    def report(step: int, total: int, loss: float) -> None:
        if step == 1 or step % 25 == 0 or step == total:
            left = (time.perf_counter() - started) / step * (total - step)
            print(f"\r  step {step}/{total}  style loss {loss:.4f}  about {left / 60:.1f} min left   ", end="", flush=True)

    try:
        spec = train_style(_context(settings), args.preset, args.photos, steps=args.steps, size=args.size,
                           channels=args.channels, features=args.features, progress=report)
    except (RegistryError, ValueError) as exc:
        print(f"\nneurocanvas: {exc}", file=sys.stderr)
        return 1
    print(f"\n{spec.id}: installed ({spec.name}); choose it as the Method in the Style transfer tab.")
    return 0


def _export(argv: list[str]) -> int:
    """The same job as the Models panel's button, run by this process's own worker, with a progress line."""
    from neurocanvas.engines.openvino_unet import FP32, INT8
    from neurocanvas.registry import RegistryError
    from neurocanvas.services import export
    from neurocanvas.store.repo import LOCAL_USER

    settings, rest = load_settings_and_rest(argv)
    int8 = "--int8" in rest
    ids = [a for a in rest if a != "--int8"]
    if len(ids) != 1 or ids[0].startswith("-"):
        print(USAGE, file=sys.stderr)
        return 2
    ctx = _context(settings)
    try:
        ctx.jobs.start()  # no studio is running: its own worker and collector
        generation_id = export.submit(ctx.jobs, ctx.registry, LOCAL_USER, ids[0], INT8 if int8 else FP32)
        update = None
        for update in ctx.jobs.follow(generation_id):
            if update.status == "running" and update.line:
                print(f"\r  [{update.step}/{update.total}] {update.line:<70}", end="", flush=True)
    except (RegistryError, ValueError) as exc:
        print(f"neurocanvas: {exc}", file=sys.stderr)
        return 1
    finally:
        ctx.jobs.stop()
    if update is None or update.status != "done":
        print(f"\nneurocanvas: {update.error if update else 'the export did not run'}", file=sys.stderr)
        return 1
    print(f"\n{ids[0]}: exported; renders use it with --backend auto (the default) or --backend "
          f"{INT8 if int8 else FP32}.")
    return 0

"""The job service on huey: order, restart, a worker killed mid-job, Redis with two worker processes."""
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from neurocanvas.engines.text_to_image import Request
from neurocanvas.services.generate import render_inputs
from neurocanvas.services.jobs import DRAFT, NORMAL, SINGLE, priority_of
from neurocanvas.services.restyle import style_inputs
from neurocanvas.store.tables import Generation, Image as ImageRow
from tests.conftest import free_port, wait_until
from tests.fixtures import TINY_SPECS, install_tiny_models

ROOT = Path(__file__).resolve().parents[2]


def context(settings, tiny_built, **change):
    from neurocanvas.context import build_context

    ctx = build_context(dataclasses.replace(settings, **change))
    install_tiny_models(ctx.registry, tiny_built)
    return ctx


def close(ctx) -> None:
    ctx.jobs.stop()
    ctx.repo.db.close()


def render(ctx, user="local", seed=0, batch=1, priority=None, steps=2) -> int:
    job = Request(prompt=f"a fox {seed}", num_inference_steps=steps, width=64, height=64, seed=seed, batch_size=batch)
    return ctx.jobs.submit(user, "text_to_image", {**dataclasses.asdict(job), "model_id": "tiny-sd"},
                           inputs=render_inputs(job, "tiny-sd", None), prompt=job.prompt, model_ids=["tiny-sd"],
                           priority=priority_of(64, 64, batch) if priority is None else priority)


def slow_restyle(ctx, steps=400) -> int:
    """A style job on the tiny VGG that runs for a few seconds: long enough to kill its worker."""
    from PIL import Image

    photo = Image.new("RGB", (256, 256), "white")
    painting = Image.radial_gradient("L").convert("RGB")
    inputs = style_inputs(photo, [(painting, 1.0)], "tiny-vgg", {"size": 256, "steps": steps})
    return ctx.jobs.submit("local", "style_transfer", {"styles": ["own image"], "method": "tiny-vgg"}, inputs=inputs,
                           model_ids=["tiny-vgg"])


def finished(*ids) -> bool:
    return all(Generation.get_by_id(i).status in ("done", "failed", "cancelled", "interrupted") for i in ids)


def test_priorities():
    assert priority_of(256, 256, 4) == DRAFT and priority_of(512, 512, 1) == SINGLE and priority_of(512, 512, 2) == NORMAL


def test_drafts_and_single_images_go_before_batches(settings, tiny_built):
    ctx = context(settings, tiny_built, local_worker=False)
    try:
        batch = render(ctx, seed=1, batch=2, priority=NORMAL)
        single = render(ctx, seed=2, priority=SINGLE)
        draft = render(ctx, seed=3, priority=DRAFT)
        assert [ctx.jobs.place(i)[0] for i in (draft, single, batch)] == [1, 2, 3]
        assert [r["job"] for r in ctx.jobs.snapshot()] == [draft, single, batch]
        ctx.jobs.start_workers(1)
        ctx.jobs.start()  # the collector
        assert wait_until(lambda: finished(batch, single, draft), timeout=60)
        started = {i: Generation.get_by_id(i).started_at for i in (draft, single, batch)}
        assert started[draft] <= started[single] <= started[batch]
        assert {Generation.get_by_id(i).status for i in started} == {"done"}
    finally:
        close(ctx)


def test_waiting_jobs_survive_a_restart(settings, tiny_built):
    ctx = context(settings, tiny_built, local_worker=False)
    ids = [render(ctx, seed=s) for s in range(3)]
    close(ctx)  # the studio stops before any of them ran

    ctx = context(settings, tiny_built)
    try:
        ctx.jobs.start()
        assert wait_until(lambda: finished(*ids), timeout=60)
        assert [Generation.get_by_id(i).status for i in ids] == ["done"] * 3
        assert [ImageRow.select().where(ImageRow.generation == i).count() for i in ids] == [1, 1, 1]
    finally:
        close(ctx)


def test_a_job_without_its_inputs_reads_interrupted_after_a_restart(settings, tiny_built):
    ctx = context(settings, tiny_built, local_worker=False)
    lost = ctx.repo.create_generation(None, "text_to_image")  # a row whose task never reached the engine
    ctx.jobs.recover()
    assert Generation.get_by_id(lost.id).status == "interrupted"
    assert "before this job could run again" in Generation.get_by_id(lost.id).error
    close(ctx)


def start_worker(settings, *extra: str, env: dict | None = None) -> subprocess.Popen:
    args = [sys.executable, "-m", "neurocanvas", "worker", "--data-dir", str(settings.data_dir),
            "--models-dir", str(settings.models_dir), "--threads", "1", *extra]
    return subprocess.Popen(args, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def share_tiny_models(ctx) -> None:
    """Workers are other processes: they find the test models through the catalog file in each folder."""
    for model_id in ("tiny-sd", "tiny-vgg"):
        folder = ctx.registry.models_dir / model_id
        entry = {**dataclasses.asdict(TINY_SPECS[model_id]), "source": {"type": "local", "command": "the test suite"}}
        (folder / "catalog.json").write_text(json.dumps({"models": [entry]}))


def stop(*procs) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_a_killed_worker_s_job_is_retried_once_on_a_live_worker(settings, tiny_built):
    ctx = context(settings, tiny_built, local_worker=False, worker_timeout_s=2.0)
    share_tiny_models(ctx)
    first = start_worker(settings)
    second = None
    try:
        ctx.jobs.start()
        job = slow_restyle(ctx)
        assert wait_until(lambda: Generation.get_by_id(job).status == "running", timeout=60), first.stdout.read()
        assert wait_until(lambda: (ctx.jobs.huey.get(f"nc:progress:{job}", peek=True) or {}).get("step", 0) > 0, timeout=60)
        first.send_signal(signal.SIGKILL)  # kill -9, mid-job
        first.wait(10)
        second = start_worker(settings)
        assert wait_until(lambda: finished(job), timeout=120)
        row = Generation.get_by_id(job)
        assert row.status == "done" and row.attempt == 2
        events = [e["event"] for e in json.loads(row.history)]
        assert events.count("retried") == 1 and events[-1] == "done"
        assert ImageRow.select().where(ImageRow.generation == job).count() == 1  # one set of images, never two
        assert ctx.repo.db.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        stop(first, *([second] if second else []))
        close(ctx)


def test_after_a_second_death_the_job_reads_interrupted(settings, tiny_built):
    ctx = context(settings, tiny_built, local_worker=False, worker_timeout_s=1.5)
    share_tiny_models(ctx)
    workers = []
    try:
        ctx.jobs.start()
        job = slow_restyle(ctx, steps=2000)
        for attempt in (1, 2):
            workers.append(start_worker(settings))
            assert wait_until(lambda: Generation.get_by_id(job).status == "running"
                              and Generation.get_by_id(job).attempt == attempt, timeout=60)
            workers[-1].send_signal(signal.SIGKILL)
            workers[-1].wait(10)
        assert wait_until(lambda: finished(job), timeout=30)
        row = Generation.get_by_id(job)
        assert row.status == "interrupted" and "stopped twice" in row.error
        assert ImageRow.select().count() == 0
    finally:
        stop(*workers)
        close(ctx)


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if not server:  # `make test` installs it; a bare pytest run must say what is missing, not skip
        pytest.fail("redis-server is not installed: run `make test` (it installs Debian's redis-server).")
    port = free_port()
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    assert wait_until(lambda: _pings(client), timeout=20), "redis-server did not start"
    yield f"redis://127.0.0.1:{port}/0"
    stop(proc)


def _pings(client) -> bool:
    try:
        return client.ping()
    except Exception:
        return False


def test_redis_two_worker_processes_ten_jobs_from_three_users(settings, tiny_built, redis_url):
    ctx = context(settings, tiny_built, local_worker=False, broker_url=redis_url)
    share_tiny_models(ctx)
    workers = [start_worker(settings, "--broker", redis_url) for _ in range(2)]
    try:
        ctx.jobs.start()
        started = time.perf_counter()
        ids = [render(ctx, user=f"user{i % 3}", seed=i) for i in range(10)]
        assert wait_until(lambda: finished(*ids), timeout=120), [w.poll() for w in workers]
        rows = [Generation.get_by_id(i) for i in ids]
        assert [r.status for r in rows] == ["done"] * 10
        assert all(json.loads(r.history)[-1]["event"] == "done" and r.attempt == 1 for r in rows)  # none ran twice
        assert [ImageRow.select().where(ImageRow.generation == i).count() for i in ids] == [1] * 10
        ran_on = {e.get("worker") for r in rows for e in json.loads(r.history) if e["event"] == "running"}
        assert len(ran_on) == 2, ran_on  # both workers took jobs
        assert time.perf_counter() - started < 120
    finally:
        stop(*workers)
        close(ctx)


def test_a_job_end_to_end_on_postgresql(settings, tiny_built, postgres_cluster):
    ctx = context(settings, tiny_built, database_url=postgres_cluster())
    try:
        assert type(ctx.repo.db).__name__.startswith("Postgres")
        ctx.jobs.start()
        job = render(ctx, batch=2)
        assert wait_until(lambda: finished(job), timeout=60)
        row = Generation.get_by_id(job)
        assert row.status == "done" and [e["event"] for e in json.loads(row.history)] == ["submitted", "running", "done"]
        images = ctx.repo.generation_images("local", job)
        assert [i.seed for i in images] == [0, 1] and all(ctx.repo.image_path(i).is_file() for i in images)
    finally:
        close(ctx)


def test_a_job_running_in_another_process_stops_when_cancelled(settings, tiny_built):
    ctx = context(settings, tiny_built, local_worker=False)
    share_tiny_models(ctx)
    worker = start_worker(settings)
    try:
        ctx.jobs.start()
        job = slow_restyle(ctx, steps=2000)
        assert wait_until(lambda: (ctx.jobs.huey.get(f"nc:progress:{job}", peek=True) or {}).get("step", 0) > 0,
                          timeout=60)
        assert ctx.jobs.cancel(job)
        assert wait_until(lambda: finished(job), timeout=30)
        assert Generation.get_by_id(job).status == "cancelled" and ImageRow.select().count() == 0
        assert worker.poll() is None  # the worker lives on for the next job
        follow_up = render(ctx, seed=5)
        assert wait_until(lambda: finished(follow_up), timeout=60) and Generation.get_by_id(follow_up).status == "done"
    finally:
        stop(worker)
        close(ctx)


def test_a_full_queue_and_a_full_share_refuse_before_writing(settings, tiny_built):
    from neurocanvas.services.jobs import QueueFull

    ctx = context(settings, tiny_built, local_worker=False, queue_size=3, max_jobs_per_user=2)
    try:
        render(ctx, user="ana", seed=1), render(ctx, user="ana", seed=2)
        with pytest.raises(QueueFull, match="already have 2 jobs waiting or running"):
            render(ctx, user="ana", seed=3)
        render(ctx, user="ben", seed=4)
        with pytest.raises(QueueFull, match="queue is full \\(3 jobs"):
            render(ctx, user="cy", seed=5)
        assert Generation.select().count() == 3 and len(ctx.jobs.huey.pending()) == 3
        ctx.jobs.cancel(Generation.select().first().id)  # a place frees up
        render(ctx, user="cy", seed=6)
        assert Generation.select().count() == 4
    finally:
        close(ctx)


def test_one_user_s_many_jobs_do_not_hold_another_s_single_image(settings, tiny_built):
    ctx = context(settings, tiny_built, local_worker=False)
    try:
        ana = [render(ctx, user="ana", seed=i, priority=SINGLE) for i in range(3)]
        ben = render(ctx, user="ben", seed=9, priority=SINGLE)
        draft = render(ctx, user="ana", seed=10, priority=DRAFT)  # the fair share never crosses a class
        assert [r["job"] for r in ctx.jobs.snapshot()] == [draft, ana[0], ben, ana[1], ana[2]]
        ctx.jobs.start_workers(1)
        ctx.jobs.start()
        assert wait_until(lambda: finished(*ana, ben, draft), timeout=60)
        started = sorted((Generation.get_by_id(i).started_at, i) for i in (*ana, ben, draft))
        assert [i for _, i in started] == [draft, ana[0], ben, ana[1], ana[2]]  # the engine ran them in that order
    finally:
        close(ctx)

"""Following an Auto run on a page: each planned job's progress, the restyle that some runs add, then the ranked
images. Shared by Text to image's "Auto" and Compare's "Generate to compare" (a helper, not a handler)."""
from __future__ import annotations

from typing import Iterator

import gradio as gr

from neurocanvas.handlers.common import ended_text, seed_text, user_errors, watch
from neurocanvas.services.auto_run import AutoRuns, Started


def follow(runs: AutoRuns, user: str, started: Started, progress) -> Iterator[tuple]:
    """Yields (gallery, preview, info, details, ids): info lines while it runs, then the ranked results. Every job
    of the plan still waiting is cancelled when the page stops following (Stop, an error, a closed page)."""
    plan = started.plan
    header = f"**Auto** ({plan.rule}): {plan.summary}"
    submitted = list(started.jobs.values())
    finished: list = []  # image rows, in plan order
    try:
        for number, run in enumerate(plan.runs, start=1):
            def shape(line, preview, number=number, run=run):
                return (gr.skip(), preview if preview is not None else gr.skip(),
                        f"{header}\n\nRun {number} of {len(plan.runs)} ({run.model_id}): {line}", gr.skip(), gr.skip())

            row = yield from _one(runs, user, started.job_of(run), progress, shape, len(finished), len(plan.runs))
            if row is None:
                return
            if run.restyle:
                with user_errors():
                    job = runs.restyle(user, row, run, started.prompt)
                submitted.append(job)
                row = yield from _one(runs, user, job, progress, shape, len(finished), len(plan.runs))
                if row is None:
                    return
            finished.append(row)
        with user_errors():
            rows, details, note = runs.rank(user, finished)
        gallery = [(str(runs.repo.image_path(r)), f"#{r.id} · {d.get('rank', i + 1)}. {d['model']}"
                    + (f" · CLIP {d['clip_score']:.3f}" if d["clip_score"] is not None else "")
                    + (f" · {', '.join(d['styles'])}" if d.get("styles") else "") + seed_text(d["seed"]))
                   for i, (r, d) in enumerate(zip(rows, details))]
        lines = [header, note] + [f"{i}. #{d['id']} {d['model']}"
                                  + (f" (CLIP {d['clip_score']:.3f})" if d["clip_score"] is not None else "")
                                  for i, d in enumerate(details, start=1)]
        yield gallery, gr.skip(), "\n\n".join(lines), details, ", ".join(str(d["id"]) for d in details)
    finally:
        for job in submitted:  # stopped, failed or closed: the plan's other jobs go too
            runs.jobs.cancel(job)


def _one(runs: AutoRuns, user: str, job: int, progress, shape, done: int, total: int) -> Iterator[tuple]:
    """Follow one job of the plan; its image row, or None once the plan ended (a Stop)."""
    update = yield from watch(runs.jobs, job, progress, shape)
    with user_errors():
        if update.status == "done":
            return runs.repo.generation_images(user, job)[0]
        line = ended_text(update)
    yield gr.skip(), gr.skip(), f"{line.split(':')[0]} after {done} of {total} images.", gr.skip(), gr.skip()
    return None

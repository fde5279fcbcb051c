"""Ranking a set of the user's images by how well each matches its prompt (CLIP), as a job on the queue; used by
Compare & vote and by Auto, which ranks what it rendered."""
from __future__ import annotations

import json
from typing import Any

from neurocanvas.services.jobs import DRAFT
from neurocanvas.services.rank import RANKING_MODEL
from neurocanvas.store.images import read_png_meta


class Ranking:
    def __init__(self, ctx: Any) -> None:
        self.registry, self.repo, self.jobs = ctx.registry, ctx.repo, ctx.jobs

    def model(self) -> str | None:
        return self.registry.first_installed("ranking")

    def describe(self, row) -> dict:
        """An image's model, settings, time and CLIP score, as Compare shows them."""
        meta = read_png_meta(self.repo.image_path(row))
        generation = self.repo.image_generation(row)
        seconds = json.loads(generation.timings).get("total") if generation is not None else None
        return {"id": row.id, "model": row.model_id, "seed": row.seed, "size": f"{row.width}x{row.height}",
                "clip_score": row.clip_score, "seconds": seconds, "styles": meta.get("styles"),
                "steps": meta.get("num_inference_steps", meta.get("steps")), "prompt": meta.get("prompt", ""),
                "why": meta.get("auto_reason")}

    def status(self) -> str:
        """One line: which CLIP model ranks, or how to get one."""
        model_id = self.model()
        if model_id is not None:
            return f"Results are ranked by {self.registry.spec(model_id).name}."
        return (f"Results are shown unranked: no CLIP model is installed. Press **Pull CLIP** or run "
                f"`{self.registry.install_command(RANKING_MODEL)}`.")

    def rank(self, user: str, rows: list, details: list[dict]) -> tuple[list, list[dict], str]:
        """Score each image against its prompt with the installed CLIP model and sort best first."""
        model_id = self.model()
        if model_id is None:
            return rows, details, (f"Shown unranked: no CLIP model is installed. Press Pull CLIP (Compare tab) or run "
                                   f"`{self.registry.install_command(RANKING_MODEL)}`.")
        missing = [i for i, d in enumerate(details) if d["clip_score"] is None]
        if missing:  # a ranking job: it queues with the other heavy work, on whichever worker is free
            inputs = {"model_id": model_id, "prompts": [details[i]["prompt"] for i in missing],
                      "images": [(rows[i].id, self.repo.image_path(rows[i]).read_bytes()) for i in missing]}
            update = self.jobs.wait(self.jobs.submit(
                user, "rank", {"label": f"CLIP ranking of {len(missing)} images", "images": [rows[i].id for i in missing]},
                inputs=inputs, model_ids=[model_id], priority=DRAFT, estimate_s=0.5, fresh=False))
            if update.status != "done":
                raise ValueError(update.error or f"The ranking job ended {update.status}.")
            for i in missing:
                details[i]["clip_score"] = self.repo.image(user, rows[i].id).clip_score
        order = sorted(range(len(rows)), key=lambda i: -details[i]["clip_score"])
        for rank, i in enumerate(order, start=1):
            details[i]["rank"] = rank
        return [rows[i] for i in order], [details[i] for i in order], f"Ranked by {self.registry.spec(model_id).name}."

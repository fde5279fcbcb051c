"""CLIP ranking as a job: how well each image matches its prompt; the studio stores the scores."""
from __future__ import annotations

from typing import Any

RANKING_MODEL = "clip-vit-b-32"  # the catalog's CLIP (ViT-B-32, laion2b_s34b_b79k): the one the studio pulls


def run(runtime: Any, params: dict, inputs: dict, report, cancel) -> dict:
    """Inputs: the ranking model, the images (id, PNG bytes), one prompt per image and, optionally, the terms
    (parts of each prompt) to score each image against as well."""
    from neurocanvas.engines.ranking import ClipRanker
    from neurocanvas.services.worker import image_from_bytes

    ids = [image_id for image_id, _ in inputs["images"]]
    report(0, 1, "Ranking with CLIP")
    with runtime.registry.use(inputs["model_id"]) as clip:
        ranker = ClipRanker(clip)
        images = [image_from_bytes(data) for _, data in inputs["images"]]
        scores = ranker.scores(images, inputs["prompts"])
        terms = ranker.term_scores(images, inputs["terms"]) if inputs.get("terms") else None
    report(1, 1, "Ranked")
    return {"images": [], "scores": dict(zip(ids, scores)),
            **({"term_scores": dict(zip(map(str, ids), terms))} if terms is not None else {})}

"""Exporting a text-to-image model's UNet to OpenVINO as a job: minutes of CPU for a real model, so it queues
like a render. It runs where the job runs and writes beside that worker's copy of the model (the registry's
folder); the worker then drops its loaded PyTorch pipeline, so the next render loads the export."""
from __future__ import annotations

from typing import Any

from neurocanvas import backends


def run(runtime: Any, params: dict, inputs: dict, report, cancel) -> dict:
    """Inputs: the model id and the variant (openvino or openvino-int8)."""
    registry, model_id, backend = runtime.registry, inputs["model_id"], inputs["backend"]
    spec = registry.spec(model_id)
    meta = backends.export(registry.require(model_id), backend, spec.defaults.get("variant"),
                           progress=lambda step, total, line: report(step, total, line), cancel=cancel)
    registry.unload(model_id)
    note = (f"{spec.name} exported for {backend} in {meta['seconds']} s ({meta['size_mb']} MB)."
            + ("" if registry.backend in ("auto", backend) else
               f" The studio runs on {registry.backend}: start it with --backend {backend} to use the export."))
    return {"images": [], "timings": {"export": meta}, "notes": [note]}


def submit(jobs: Any, registry: Any, user: str, model_id: str, backend: str) -> int:
    """Queue an export of an installed text-to-image model; what cannot work is refused before anything queues."""
    from neurocanvas.engines import openvino_unet

    spec = registry.spec(model_id)
    if spec.task != "text-to-image":
        raise ValueError(f"{spec.name} is not a text-to-image model: only those have a UNet to export.")
    if backend not in (openvino_unet.FP32, openvino_unet.INT8):
        raise ValueError(f"Unknown OpenVINO variant {backend!r}.")
    if not openvino_unet.available():
        raise ValueError(f"OpenVINO is not installed: pip install {backends.PIN}")
    registry.require(model_id)
    return jobs.submit(user, "export_openvino", {"label": f"{backend} export: {spec.name}", "backend": backend},
                       inputs={"model_id": model_id, "backend": backend}, prompt=model_id, model_ids=[model_id],
                       estimate_s=max(10.0, spec.size_mb / 20))


def backend_of(registry: Any, model_id: str) -> str:
    """What the next render of this model runs on, and which exports it has, in words for the Models table."""
    spec = registry.spec(model_id)
    path = registry.local_path(model_id)
    if spec.task != "text-to-image" or path is None:
        return ""
    ready = backends.exported(path)
    chosen, _ = backends.choose(registry.backend, spec, path)
    return chosen + (f" (exported: {', '.join(ready)})" if ready else "")

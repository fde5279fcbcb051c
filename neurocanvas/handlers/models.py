"""Profile → Models: the catalog with each model's state, pulling a model with progress, and exporting a
text-to-image model for OpenVINO (a queued job)."""
from __future__ import annotations

import json

import gradio as gr

from neurocanvas.context import AppContext
from neurocanvas.engines.openvino_unet import FP32, INT8
from neurocanvas.handlers.common import user_errors, user_of
from neurocanvas.services import export

COLUMNS = ["id", "task", "name", "state", "backend", "size_mb", "licence", "source"]


class ModelsHandler:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx  # its settings say who owns the studio (pulls are the owner's)
        self.registry = ctx.registry
        self.repo = ctx.repo

    def models(self) -> list[list]:
        """One row per catalog model, for the Models table and the `models` endpoint."""
        return [[row[c] for c in COLUMNS] for row in self.registry.status()
                for row in [{**row, "backend": export.backend_of(self.registry, row["id"]) if row["installed"] else ""}]]

    def model_ids(self) -> list[str]:
        return [s.id for s in self.registry.specs()]

    def describe(self, model_id: str) -> str:
        """What the user should know before a pull: size, licence, where it comes from."""
        with user_errors():
            if not model_id:
                return "Choose a model to see its size and licence."
            spec = self.registry.spec(model_id)
            state = "installed" if self.registry.is_installed(model_id) else "not downloaded"
            return (f"**{spec.name}** ({spec.task}) — {spec.description}  \n"
                    f"Size: {spec.size_mb:.0f} MB · Licence: **{spec.licence}** · State: {state}")

    def pull(self, model_id: str, request: gr.Request, progress=gr.Progress()) -> tuple[str, list[list]]:
        """Download a model (resumes an interrupted download); an installed model returns at once."""
        with user_errors():
            spec = self._owners_model(model_id, request, "pull")
            progress(0, desc=f"Pulling {spec.name}")

            def report(done: int, total: int, desc: str) -> None:
                progress((done, max(total, 1)), desc=f"Downloading {desc}", unit="bytes")

            path = self.registry.pull(model_id, progress=report)
            self.repo.record_event(user_of(request), "pull_model", {"model": model_id})
            return f"{spec.name} is installed at {path}.", self.models()

    def export(self, model_id: str, int8: bool, request: gr.Request, progress=gr.Progress()) -> tuple[str, list[list]]:
        """Convert an installed model's UNet for OpenVINO, as a job (minutes for a real model), with its progress."""
        with user_errors():
            spec = self._owners_model(model_id, request, "export")
            generation_id = export.submit(self.ctx.jobs, self.registry, user_of(request), model_id, INT8 if int8 else FP32)
            update = None
            try:
                for update in self.ctx.jobs.follow(generation_id):
                    if update.status == "waiting":
                        progress(0, desc=f"Waiting: {update.position} job(s) ahead")
                    elif update.status == "running":
                        progress((update.step, max(update.total, 1)), desc=update.line or f"Exporting {spec.name}")
            finally:  # a closed page stops the export too
                if update is None or update.status in ("waiting", "running"):
                    self.ctx.jobs.cancel(generation_id)
            if update.status != "done":
                raise ValueError(update.error or f"The export ended {update.status}.")
            notes = json.loads(update.generation.timings or "{}").get("notes") or [f"{spec.name} is exported."]
            self.repo.record_event(user_of(request), "export_model", {"model": model_id, "int8": bool(int8)})
            return " ".join(notes), self.models()

    def _owners_model(self, model_id: str, request: gr.Request, verb: str):
        """The chosen model's spec, once the caller is known to be the studio's owner (pulls and removals are theirs)."""
        if not model_id:
            raise ValueError(f"Choose a model to {verb}.")
        if not self.ctx.settings.is_owner(user_of(request)):
            raise ValueError(f"Only the studio's owner (--admin, else the first --auth user) can {verb} models.")
        return self.registry.spec(model_id)

    def remove(self, model_id: str, request: gr.Request) -> tuple[str, list[list]]:
        """Delete a downloaded model's files (the owner only); the catalog keeps it, to pull again."""
        with user_errors():
            spec = self._owners_model(model_id, request, "remove")
            self.registry.remove(model_id)
            self.repo.record_event(user_of(request), "remove_model", {"model": model_id})
            return f"{spec.name} is removed; Pull downloads it again.", self.models()

    def buttons(self, model_id: str | None) -> tuple[dict, dict, dict]:
        """(Pull, Remove, the export row) for the chosen model: an installed model reads 'Installed' and offers
        Remove; an installed text-to-image model also offers its OpenVINO export."""
        try:
            spec = self.registry.spec(model_id) if model_id else None
        except Exception:  # a name being typed: Pull says what is wrong with it
            spec = None
        if spec is None or not self.registry.is_installed(spec.id):
            return gr.Button("Pull", interactive=True), gr.Button(visible=False), gr.Row(visible=False)
        packaged = spec.source["type"] == "package"
        return (gr.Button("Installed (in a package)" if packaged else "Installed", interactive=False),
                gr.Button(visible=not packaged), gr.Row(visible=spec.task == "text-to-image"))

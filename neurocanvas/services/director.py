"""The art director's model: a local GGUF through the registry, or the OpenAI-compatible server at --director-url."""
from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any, Iterator

from neurocanvas.engines.director import Director, RemoteLLM

PRESETS_DIR = Path(__file__).resolve().parents[2] / "presets"
SERVER = "server"  # the model choice that means "the OpenAI-compatible server at --director-url"


class DirectorModels:
    def __init__(self, registry: Any, server_url: str | None) -> None:
        self.registry = registry
        self.server_url = server_url
        self.templates = json.loads((PRESETS_DIR / "director.json").read_text(encoding="utf-8"))

    def default_model(self) -> str:
        return SERVER if self.server_url else (self.registry.first_installed("llm") or "smollm2-135m")

    def check(self, model_id: str) -> None:
        """The model can answer: the server is configured, or the model is a chat model that is installed."""
        if model_id == SERVER:
            if not self.server_url:
                raise ValueError("No director server is configured: start the studio with --director-url URL.")
            return
        if self.registry.spec(model_id).task != "llm":
            raise ValueError(f"{model_id} is not a chat model.")
        self.registry.require(model_id)

    @contextlib.contextmanager
    def director(self, model_id: str) -> Iterator[Director]:
        """A Director on the chosen model, held under the model's lock (a Llama object is not thread-safe)."""
        self.check(model_id)
        if model_id == SERVER:
            yield Director(RemoteLLM(self.server_url), self.templates)
            return
        with self.registry.use(model_id) as llm:
            yield Director(llm, self.templates)

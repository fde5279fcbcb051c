"""Prompt lab: analyse and enhance prompts, presets, and the user's prompt history with favourites."""
from __future__ import annotations

import html
import json
import logging
import threading
from pathlib import Path
from typing import Any, Callable, Sequence

import gradio as gr
import numpy as np

from neurocanvas.context import AppContext
from neurocanvas.engines.prompt_analysis import CATEGORIES, PromptAnalyzer
from neurocanvas.engines.prompt_classifier import PromptClassifier
from neurocanvas.handlers.common import row_id, user_errors, user_of
from neurocanvas.registry import Registry

log = logging.getLogger(__name__)
PRESETS_DIR = Path(__file__).resolve().parents[2] / "presets"
CLASSIFIER_FILE = PRESETS_DIR / "prompt_classifier.npz"  # rebuilt by `python -m bench.eval_prompts --train`
HISTORY_COLUMNS = ["id", "★", "when", "prompt"]


def build_analyzer(registry: Registry, lexicon: dict, classifier: bool = True) -> PromptAnalyzer:
    """The analyser on the packaged MiniLM embeddings and VADER lexicon, with the shipped classifier where its file
    is readable (else the lexicon's rules decide): works with no download."""
    embed = sentence_embedder(registry.get("minilm"))
    vader = registry.get("vader")
    trained = None
    if classifier:
        try:
            trained = PromptClassifier.load(CLASSIFIER_FILE)
        except (OSError, KeyError, ValueError) as exc:
            log.warning("prompt classifier %s unreadable (%s): the lexicon's rules decide", CLASSIFIER_FILE, exc)
    return PromptAnalyzer(lexicon, embed, vader.polarity_scores, trained)


def sentence_embedder(model: Any) -> Callable[[Sequence[str]], np.ndarray]:
    """Texts to L2-normalised vectors through a sentence-transformers model, as the analyser reads them (the encoder
    comparison in bench.eval_encoder embeds the same way)."""
    def embed(texts: Sequence[str]) -> np.ndarray:
        return model.encode(list(texts), convert_to_numpy=True, normalize_embeddings=True, batch_size=64,
                            show_progress_bar=False)
    return embed


def load_lexicon() -> dict:
    return json.loads((PRESETS_DIR / "prompt_lexicon.json").read_text(encoding="utf-8"))


def load_templates() -> dict[str, list[str]]:
    return json.loads((PRESETS_DIR / "prompt_templates.json").read_text(encoding="utf-8"))


class PromptLabHandler:
    def __init__(self, ctx: AppContext) -> None:
        self.registry = ctx.registry
        self.repo = ctx.repo
        self.templates = load_templates()
        self._analyzer: PromptAnalyzer | None = None
        self._lock = threading.Lock()

    def analyzer(self) -> PromptAnalyzer:
        """Built on first use (loads MiniLM, embeds the lexicon: about 2 s warm, 10 s with cold imports)."""
        with self._lock:
            if self._analyzer is None:
                self._analyzer = build_analyzer(self.registry, load_lexicon())
            return self._analyzer

    # endpoints ---------------------------------------------------------------------------------
    def analyze(self, prompt: str, request: gr.Request) -> dict:
        """The full analysis as plain data; the prompt and its analysis are saved to the user's history."""
        with user_errors():
            analysis = self.analyzer().analyze(prompt or "").as_dict()  # a PromptError is the user's message
            row = self.repo.add_prompt(user_of(request), analysis["prompt"], analysis)
            analysis["history_id"] = row.id
            return analysis

    def enhance(self, prompt: str, seed: float, request: gr.Request) -> tuple[str, list[tuple[str, str | None]]]:
        """An enhanced prompt, and the same text with each addition marked 'added'."""
        with user_errors():
            result = self.analyzer().enhance(prompt or "", seed=int(seed or 0))
            marked: list[tuple[str, str | None]] = [(result.original.rstrip(" ,.;"), None)]
            for addition in result.additions:
                marked += [(", ", None), (addition, "added")]
            return result.prompt, marked

    def history(self, search: str, favourites: bool, request: gr.Request) -> list[list]:
        with user_errors():
            rows = self.repo.prompts(user_of(request), search=(search or "")[:200], favourites=bool(favourites))
            return [[r.id, "★" if r.favourite else "", r.created_at.strftime("%Y-%m-%d %H:%M"), r.text] for r in rows]

    def set_favourite(self, prompt_id: float, favourite: bool, request: gr.Request) -> str:
        with user_errors():
            if not prompt_id:
                raise ValueError("Pick a prompt in the history first.")
            row = self.repo.set_prompt_favourite(user_of(request), row_id(prompt_id, "a prompt"), bool(favourite))
            return f"Prompt #{row.id} {'added to' if row.favourite else 'removed from'} favourites."

    # rendering the analysis into widgets (UI only) ---------------------------------------------
    @staticmethod
    def render(analysis: dict) -> tuple:
        if not analysis:
            return (None,) * 8
        sentiment = analysis["sentiment"]
        marked = _mark_keywords(analysis["prompt"], analysis["keywords"])
        concepts = {name: score for name, score in analysis["concepts"]} or None
        moods = {name: score for name, score in analysis["mood_scores"]}
        palette = "".join(
            f'<div class="nc-swatch" title="{html.escape(p["why"])}"><span style="background:{html.escape(p["hex"])}"></span>'
            f'<code>{html.escape(p["hex"])}</code></div>' for p in analysis["palette"])
        hints = "\n".join(f"- {html.escape(h)}" for h in analysis["missing"]) or "Nothing missing: every category is there."
        notes = "\n".join(f"> {html.escape(n)}" for n in analysis["notes"])
        styles = gr.Radio(choices=analysis["styles"], value=None)
        return ({sentiment["label"]: sentiment["confidence"]}, marked, concepts, moods,
                f'<div class="nc-palette">{palette}</div>', styles, hints, notes)

    @staticmethod
    def add_style(prompt: str, style: str) -> str:
        if not style:
            return prompt
        return f"{(prompt or '').rstrip(' ,.;')}, {style}" if (prompt or "").strip() else style


def _mark_keywords(prompt: str, keywords: dict) -> list[tuple[str, str | None]]:
    """Split the prompt into (text, category) pieces for HighlightedText."""
    spans = []
    lower = prompt.lower()
    for category in CATEGORIES:
        for k in keywords.get(category, []):
            start = lower.find(k["term"])
            if start >= 0:
                spans.append((start, start + len(k["term"]), category))
    spans.sort()
    pieces, position = [], 0
    for start, end, category in spans:
        if start < position:
            continue  # a term found in two categories is marked once
        if start > position:
            pieces.append((prompt[position:start], None))
        pieces.append((prompt[start:end], category))
        position = end
    if position < len(prompt):
        pieces.append((prompt[position:], None))
    return pieces

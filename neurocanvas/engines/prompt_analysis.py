"""Prompt analysis: sentiment, keywords in six categories, concepts, mood, palette, styles, hints, enhancement.

Pure: a lexicon (presets/prompt_lexicon.json), an `embed` function (sentence embeddings, L2-normalised)
and a `sentiment` function (VADER's polarity_scores) come in; plain dataclasses go out. The keywords come from
engines/prompt_keywords.py.
"""
from __future__ import annotations

import dataclasses
import hashlib
import random
import re
import unicodedata
from typing import Any, Callable

import numpy as np

from neurocanvas.engines.prompt_keywords import CATEGORIES, STOPWORDS, Embed, Keyword, KeywordFinder, stem

__all__ = ["CATEGORIES", "STOPWORDS", "Keyword", "PromptAnalyzer", "PromptError", "clean"]
Sentiment = Callable[[str], dict]

SENTIMENTS = ("positive", "neutral", "negative")
MAX_CHARS = 2000  # analysed text; longer prompts are cut with a note (image encoders read ~77 tokens anyway)
MAX_PROMPT_CHARS = 10_000  # the studio's limit on any prompt: longer text is refused, not cut
CONCEPT_MIN = 0.20  # concept scores below this are not reported
CONCEPT_MIN_PROBABILITY = 0.10  # with the classifier: concepts less likely than this are not reported
CLOSE_CALL = 0.6  # the second concept or mood is shown as a close call when at least this share of the first


class PromptError(ValueError):
    """The prompt cannot be analysed; the message says why."""


@dataclasses.dataclass
class Analysis:
    prompt: str
    sentiment: dict  # label, confidence, compound
    keywords: dict[str, list[Keyword]]
    concepts: list[tuple[str, float]]
    mood: str
    mood_scores: list[tuple[str, float]]
    palette: list[dict]  # {"hex", "name", "why"}
    styles: list[str]
    missing: list[str]
    notes: list[str]

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class Enhancement:
    prompt: str
    original: str
    additions: list[str]  # phrases added, in order
    seed: int


def clean(prompt: str) -> tuple[str, list[str]]:
    """Validate and bound a prompt; returns the text to analyse and notes for the user."""
    if not isinstance(prompt, str):
        raise PromptError("The prompt must be text.")
    text = unicodedata.normalize("NFKC", prompt).replace("\x00", "").strip()
    text = re.sub(r"\s+", " ", text)
    if not text:
        raise PromptError("The prompt is empty: type what you want to see.")
    if len(text) > MAX_PROMPT_CHARS:
        raise PromptError(f"Prompts are limited to {MAX_PROMPT_CHARS:,} characters; this one has {len(text):,}.")
    notes = []
    if len(text) > MAX_CHARS:
        notes.append(f"The prompt has {len(text):,} characters; the first {MAX_CHARS:,} were analysed.")
        text = text[:MAX_CHARS]
    if not re.search(r"[A-Za-z]", text):
        notes.append("No English words found: the analysis covers English prompts, so most fields are empty.")
    elif re.search(r"[^\x00-\u024f\u2000-\u206f\u2190-\u2bff\U0001F000-\U0001FFFF\s]", text):
        notes.append("Parts of the prompt are not in the Latin alphabet; only the English words were analysed.")
    return text, notes


class PromptAnalyzer:
    def __init__(self, lexicon: dict, embed: Embed, sentiment: Sentiment, classifier: Any = None) -> None:
        self.lexicon = lexicon
        self.embed = embed
        self.sentiment = sentiment
        self.classifier = classifier  # a PromptClassifier: concept, mood and sentiment as people label them
        self.keyword_finder = KeywordFinder(lexicon, embed)
        self.concepts = lexicon["concepts"]
        self.moods = lexicon["moods"]
        vectors = self.embed([c["anchor"] for c in self.concepts.values()] + [m["anchor"] for m in self.moods.values()])
        self._concept_vectors, self._mood_vectors = vectors[: len(self.concepts)], vectors[len(self.concepts):]

    # analysis ----------------------------------------------------------------------------------
    def analyze(self, prompt: str) -> Analysis:
        text, notes = clean(prompt)
        lower = text.lower()
        keywords = self.keyword_finder.find(lower)
        evidence = self.evidence(text)
        if self.classifier is not None:
            ranked = self.classifier.ranked(evidence, evidence["vector"])
            concepts = [(n, round(p, 3)) for n, p in ranked["concept"] if p >= CONCEPT_MIN_PROBABILITY][:4]
            mood_scores = ranked["mood"]
            label, confidence = ranked["sentiment"][0]
            sentiment = {"label": label, "confidence": round(confidence, 3), "compound": evidence["compound"]}
            for field in ("concept", "mood"):
                (first, p), (second, q) = ranked[field][:2]
                if q >= CLOSE_CALL * p:
                    notes.append(f"A close call for the {field}: {first} ({p:.0%}) or {second} ({q:.0%}).")
        else:
            sentiment = self._sentiment(text)
            mood_scores = self._mood_with_sentiment(evidence["mood_rules"], sentiment["compound"])
            concepts = [(n, round(score, 3)) for n, score in evidence["concept_rules"] if score >= CONCEPT_MIN][:4]
        mood = mood_scores[0][0]
        return Analysis(
            prompt=text, sentiment=sentiment, keywords=keywords, concepts=concepts, mood=mood,
            mood_scores=[(m, round(s, 3)) for m, s in mood_scores[:4]],
            palette=self._palette(keywords, mood, concepts), styles=self._styles(concepts, mood, keywords),
            missing=[self.lexicon["hints"][c] for c in CATEGORIES if not keywords[c] and c in self.lexicon["hints"]],
            notes=notes)

    def evidence(self, text: str) -> dict:
        """What the classifier reads, per head: the prompt's embedding beside the lexicon's scores and cue-word counts
        (in the lexicon's label order) and VADER's polarities; the rule-based rankings come along for the fallback."""
        lower = text.lower()
        vector = self.embed([text])[0]
        words = {stem(w) for w in re.findall(r"[a-z][a-z'-]+", lower)}
        concept_hits, mood_hits = self._hits(self.concepts, lower, words), self._hits(self.moods, lower, words)
        concept_rules = self._score(self.concepts, self._concept_vectors, vector, concept_hits, weight=0.25)
        mood_rules = self._score(self.moods, self._mood_vectors, vector, mood_hits, weight=0.3)
        polarity = self.sentiment(text)
        vader = [float(polarity[k]) for k in ("compound", "pos", "neu", "neg")]
        in_order = lambda ranked, table: [dict(ranked)[name] for name in table]  # noqa: E731
        return {"concept": np.concatenate([vector, in_order(concept_rules, self.concepts), concept_hits]),
                "mood": np.concatenate([vector, in_order(mood_rules, self.moods), mood_hits, vader[:1]]),
                "sentiment": np.concatenate([vector, vader, mood_hits]), "vector": vector,
                "concept_rules": concept_rules, "mood_rules": mood_rules, "compound": round(vader[0], 3)}

    @staticmethod
    def _hits(table: dict, lower: str, words: set[str]) -> np.ndarray:
        """Per label, how many of its cue words the prompt names (three or more count as three)."""
        return np.array([min(sum(1 for k in entry["keywords"] if (" " in k and k in lower) or stem(k) in words), 3)
                         for entry in table.values()], dtype=np.float32)

    @staticmethod
    def _score(table: dict, vectors: np.ndarray, prompt_vector: np.ndarray, hits: np.ndarray,
               weight: float) -> list[tuple[str, float]]:
        """Similarity to each anchor sentence, plus a bonus per cue word named in the prompt (up to two)."""
        sims = vectors @ prompt_vector
        scored = [(name, float(sim) + weight * min(float(n), 2)) for name, sim, n in zip(table, sims, hits)]
        return sorted(scored, key=lambda x: -x[1])

    def _sentiment(self, text: str) -> dict:
        scores = self.sentiment(text)
        compound = float(scores["compound"])
        label = "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"
        confidence = abs(compound) if label != "neutral" else float(scores.get("neu", 1.0))
        return {"label": label, "confidence": round(min(max(confidence, 0.0), 1.0), 3), "compound": round(compound, 3)}

    @staticmethod
    def _mood_with_sentiment(scores: list[tuple[str, float]], compound: float) -> list[tuple[str, float]]:
        """A clearly negative prompt leans dark or melancholic; a clearly positive one leans away from them."""
        leaning = {"dark": -1, "melancholic": -1, "playful": 1, "peaceful": 1, "romantic": 1}
        adjusted = [(m, s + 0.1 * compound * leaning.get(m, 0)) for m, s in scores]
        return sorted(adjusted, key=lambda x: -x[1])

    def _palette(self, keywords: dict[str, list[Keyword]], mood: str, concepts: list[tuple[str, float]]) -> list[dict]:
        colours = self.lexicon["colours"]
        palette: list[dict] = []
        objects = self.lexicon.get("colour_objects", {})
        for k in keywords["colour"]:
            named = [(objects[k.term], f"the colour of {k.term}")] if k.term in objects else [
                (name, "named in the prompt") for name in k.term.split()]
            for name, why in named:
                if name in colours and colours[name] not in [p["hex"] for p in palette]:
                    palette.append({"hex": colours[name], "name": name, "why": why})
        for hex_code in self.moods[mood]["palette"]:
            if len(palette) >= 6:
                break
            if hex_code not in [p["hex"] for p in palette]:
                palette.append({"hex": hex_code, "name": mood, "why": f"{mood} mood"})
        if concepts:
            top = concepts[0][0]
            for hex_code in self.lexicon["concept_palettes"].get(top, [])[:2]:
                if len(palette) < 7 and hex_code not in [p["hex"] for p in palette]:
                    palette.append({"hex": hex_code, "name": top, "why": f"{top} concept"})
        return palette[:7]

    def _styles(self, concepts: list[tuple[str, float]], mood: str, keywords: dict[str, list[Keyword]]) -> list[str]:
        named = {k.term for k in keywords["style"]}
        table = self.lexicon["style_suggestions"]
        ordered = []
        for key in [c for c, _ in concepts[:2]] + [mood]:
            ordered += table.get(key, [])
        return [s for s in dict.fromkeys(ordered) if s.lower() not in named][:6]

    # enhancement -------------------------------------------------------------------------------
    def enhance(self, prompt: str, seed: int = 0) -> Enhancement:
        """Keep the user's words, add what is missing; the same prompt and seed give the same result."""
        analysis = self.analyze(prompt)
        digest = hashlib.sha256(f"{seed}:{analysis.prompt}".encode()).hexdigest()
        rng = random.Random(int(digest[:16], 16))
        table = self.lexicon["enhancements"]
        concept = analysis.concepts[0][0] if analysis.concepts else "default"
        keys = {"style": concept, "lighting": analysis.mood, "composition": concept, "colour": analysis.mood}
        additions = []
        for cat in ("style", "lighting", "composition", "colour"):
            if not analysis.keywords[cat]:
                choices = table[cat].get(keys[cat]) or table[cat]["default"]
                additions.append(rng.choice(choices))
        present = analysis.prompt.lower()
        quality = [q for q in table["quality"] if q not in present]
        additions += rng.sample(quality, k=min(2, len(quality)))
        base = analysis.prompt.rstrip(" ,.;")
        return Enhancement(prompt=", ".join([base, *additions]), original=analysis.prompt, additions=additions, seed=seed)

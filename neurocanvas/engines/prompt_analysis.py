"""Prompt analysis: sentiment, keywords in six categories, concepts, mood, palette, styles, hints, enhancement.

Pure: a lexicon (presets/prompt_lexicon.json), an `embed` function (sentence embeddings, L2-normalised)
and a `sentiment` function (VADER's polarity_scores) come in; plain dataclasses go out. Words the
lexicon lacks are placed by embedding similarity to the lexicon's terms, so "crepuscular" still lands
in lighting.
"""
from __future__ import annotations

import dataclasses
import hashlib
import random
import re
import unicodedata
from typing import Any, Callable, Sequence

import numpy as np

Embed = Callable[[Sequence[str]], np.ndarray]
Sentiment = Callable[[str], dict]

CATEGORIES = ("style", "mood", "colour", "lighting", "texture", "composition")
SENTIMENTS = ("positive", "neutral", "negative")
MAX_CHARS = 2000  # analysed text; longer prompts are cut with a note (image encoders read ~77 tokens anyway)
MAX_PROMPT_CHARS = 10_000  # the studio's limit on any prompt: longer text is refused, not cut
WORD_SIMILARITY = 0.64  # an unknown word joins a category when this close to one of its terms (see the closing note)
WORD_CACHE_SIZE = 20_000  # embeddings of words the lexicon lacks, kept between calls
CONCEPT_MIN = 0.20  # concept scores below this are not reported
CONCEPT_MIN_PROBABILITY = 0.10  # with the classifier: concepts less likely than this are not reported
CLOSE_CALL = 0.6  # the second concept or mood is shown as a close call when at least this share of the first
STOPWORDS = frozenset("""a an the of and or in on at to with by for from into onto over under above below near behind
beside between through across along around inside outside is are was were be been being this that these those it its
his her their our your my some any many much very more most few several one two three four five each every no not
while as like than then so such there here who whom which what where when why how all both but if also just only own
same too can will would could should may might must do does did has have had up down out off again further once
style detailed high quality very art image picture scene view shot""".split())


class PromptError(ValueError):
    """The prompt cannot be analysed; the message says why."""


@dataclasses.dataclass
class Keyword:
    term: str  # as it appears in the prompt
    category: str
    source: str  # "lexicon", or "similar to <term>" when placed by embedding similarity
    score: float = 1.0


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


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


class PromptAnalyzer:
    def __init__(self, lexicon: dict, embed: Embed, sentiment: Sentiment, classifier: Any = None) -> None:
        self.lexicon = lexicon
        self.embed = embed
        self.sentiment = sentiment
        self.classifier = classifier  # a PromptClassifier: concept, mood and sentiment as people label them
        self.terms: list[tuple[str, str]] = [(term.lower(), cat) for cat in CATEGORIES
                                             for term in lexicon["categories"][cat]]
        ordered = sorted({t for t, _ in self.terms}, key=len, reverse=True)
        self._term_pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(t) for t in ordered) + r")s?(?![\w-])")
        self._term_categories: dict[str, list[str]] = {}
        for term, cat in self.terms:
            self._term_categories.setdefault(term, []).append(cat)
        self.concepts = lexicon["concepts"]
        self.moods = lexicon["moods"]
        term_texts = [t for t, _ in self.terms]
        anchors = [c["anchor"] for c in self.concepts.values()] + [m["anchor"] for m in self.moods.values()]
        vectors = self.embed(term_texts + anchors)
        self._term_vectors = vectors[: len(term_texts)]
        self._concept_vectors = vectors[len(term_texts): len(term_texts) + len(self.concepts)]
        self._mood_vectors = vectors[len(term_texts) + len(self.concepts):]
        self._word_cache: dict[str, np.ndarray] = {}  # insertion order: the oldest word first

    # analysis ----------------------------------------------------------------------------------
    def analyze(self, prompt: str) -> Analysis:
        text, notes = clean(prompt)
        lower = text.lower()
        keywords, covered = self._lexicon_keywords(lower)
        self._similar_keywords(lower, covered, keywords)
        evidence = self.evidence(text)
        if self.classifier is not None:
            ranked = {head: self.classifier.ranked(head, evidence[head]) for head in ("concept", "mood", "sentiment")}
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
        """What the classifier reads, per head: the prompt's embedding beside the lexicon's scores (in the
        lexicon's label order) and VADER's polarities; the rule-based rankings come along for the fallback."""
        lower = text.lower()
        vector = self.embed([text])[0]
        words = {_stem(w) for w in re.findall(r"[a-z][a-z'-]+", lower)}
        concept_rules = self._score(self.concepts, self._concept_vectors, vector, lower, words, weight=0.25)
        mood_rules = self._score(self.moods, self._mood_vectors, vector, lower, words, weight=0.3)
        polarity = self.sentiment(text)
        vader = [float(polarity[k]) for k in ("compound", "pos", "neu", "neg")]
        in_order = lambda ranked, table: [dict(ranked)[name] for name in table]  # noqa: E731
        return {"concept": np.concatenate([vector, in_order(concept_rules, self.concepts)]),
                "mood": np.concatenate([vector, in_order(mood_rules, self.moods), vader[:1]]),
                "sentiment": np.concatenate([vector, vader]),
                "concept_rules": concept_rules, "mood_rules": mood_rules, "compound": round(vader[0], 3)}

    def _lexicon_keywords(self, lower: str) -> tuple[dict[str, list[Keyword]], list[tuple[int, int]]]:
        """Longest lexicon terms first; a shorter term inside a longer match ('golden' in 'golden hour') is dropped."""
        keywords: dict[str, list[Keyword]] = {c: [] for c in CATEGORIES}
        covered: list[tuple[int, int]] = []
        for match in self._term_pattern.finditer(lower):
            term = match.group(1)
            covered.append(match.span())
            for cat in self._term_categories[term]:
                if term not in [k.term for k in keywords[cat]]:
                    keywords[cat].append(Keyword(term=term, category=cat, source="lexicon"))
        return keywords, covered

    def _similar_keywords(self, lower: str, covered: list[tuple[int, int]], keywords: dict[str, list[Keyword]]) -> None:
        """Place words the lexicon lacks by their nearest lexicon term, when it is near enough."""
        concept_words = {w for c in self.concepts.values() for w in c["keywords"]}
        candidates = []
        for match in re.finditer(r"[a-z][a-z'-]{3,}", lower):
            word = match.group(0)
            if any(s <= match.start() < e for s, e in covered) or word in STOPWORDS or _stem(word) in STOPWORDS:
                continue
            if word in concept_words or _stem(word) in concept_words:
                continue  # subject matter, not a descriptor
            candidates.append(word)
        candidates = list(dict.fromkeys(candidates))[:24]
        vectors = {w: self._word_cache[w] for w in candidates if w in self._word_cache}
        missing = [w for w in candidates if w not in vectors]
        if missing:
            vectors.update(zip(missing, self.embed(missing)))
            for word in missing:  # bounded: the oldest words leave first, never the ones this call needs
                self._word_cache[word] = vectors[word]
            while len(self._word_cache) > WORD_CACHE_SIZE:
                del self._word_cache[next(iter(self._word_cache))]
        for word in candidates:
            sims = self._term_vectors @ vectors[word]
            best = int(np.argmax(sims))
            if sims[best] >= WORD_SIMILARITY:
                term, cat = self.terms[best]
                keywords[cat].append(Keyword(term=word, category=cat, source=f"similar to {term}",
                                             score=round(float(sims[best]), 3)))

    @staticmethod
    def _score(table: dict, vectors: np.ndarray, prompt_vector: np.ndarray, lower: str, words: set[str],
               weight: float) -> list[tuple[str, float]]:
        """Similarity to each anchor sentence, plus a bonus per keyword named in the prompt (up to two)."""
        sims = vectors @ prompt_vector
        scored = []
        for (name, entry), sim in zip(table.items(), sims):
            hits = sum(1 for k in entry["keywords"] if (" " in k and k in lower) or _stem(k) in words)
            scored.append((name, float(sim) + weight * min(hits, 2)))
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
        for k in keywords["colour"]:
            for name in k.term.split():
                if name in colours and colours[name] not in [p["hex"] for p in palette]:
                    palette.append({"hex": colours[name], "name": name, "why": "named in the prompt"})
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

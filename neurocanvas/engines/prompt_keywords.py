"""A prompt's keywords in six categories: the lexicon's terms (presets/prompt_lexicon.json), then words the lexicon
lacks placed by embedding similarity to its terms, so "crepuscular" still lands in lighting.

Pure: a lexicon and an `embed` function (sentence embeddings, L2-normalised) come in. Besides each category's own
terms, a mood's cue words ("storm", "withered", "laughing") count as mood keywords, and things that carry a colour
("poppies", "pumpkins") as colour keywords, since that is where a prompt's mood and colours come from.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Callable, Sequence

import numpy as np

Embed = Callable[[Sequence[str]], np.ndarray]

CATEGORIES = ("style", "mood", "colour", "lighting", "texture", "composition")
WORD_SIMILARITY = 0.68  # an unknown word joins a category when this close to one of its terms (see the closing note)
WORD_CACHE_SIZE = 20_000  # embeddings of words the lexicon lacks, kept between calls
STOPWORDS = frozenset("""a an the of and or in on at to with by for from into onto over under above below near behind
beside between through across along around inside outside is are was were be been being this that these those it its
his her their our your my some any many much very more most few several one two three four five each every no not
while as like than then so such there here who whom which what where when why how all both but if also just only own
same too can will would could should may might must do does did has have had up down out off again further once
style detailed high quality very art image picture scene view shot""".split())


@dataclasses.dataclass
class Keyword:
    term: str  # as it appears in the prompt
    category: str
    source: str  # "lexicon", "similar to <term>" when placed by embedding similarity, or "after 'made of'"
    score: float = 1.0


def stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _add(keywords: dict[str, list[Keyword]], term: str, category: str, source: str) -> bool:
    """A term is listed once per category, by the first rule that finds it; False when it was there already."""
    if term in [k.term for k in keywords[category]]:
        return False
    keywords[category].append(Keyword(term=term, category=category, source=source))
    return True


def _pattern(terms: set[str]) -> re.Pattern:
    """The longest term wins where several match; plurals and -ed, -ing, -y forms count ("rusting", "sandy")."""
    ordered = sorted(terms, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(t) for t in ordered) + r")(?:s|es|ed|ing|y)?(?![\w-])")


class KeywordFinder:
    def __init__(self, lexicon: dict, embed: Embed) -> None:
        self.embed = embed
        cues = [word for mood in lexicon["moods"].values() for word in mood["keywords"]]
        by_category = {**lexicon["categories"], "mood": [*lexicon["categories"]["mood"], *cues],
                       "colour": [*lexicon["categories"]["colour"], *lexicon.get("colour_objects", {})]}
        self.categories_of: dict[str, list[str]] = {}
        for cat in CATEGORIES:
            for term in by_category[cat]:
                cats = self.categories_of.setdefault(term.lower(), [])
                if cat not in cats:
                    cats.append(cat)
        # mood words are read apart from the other five categories, so "candlelit dinner" (a romantic mood) does not
        # hide "candlelit" (lighting); within a reading the longest term wins ("golden hour" is not the colour golden)
        self._patterns = {reads_mood: _pattern({t for t, cats in self.categories_of.items()
                                                if any((c == "mood") == reads_mood for c in cats)})
                          for reads_mood in (False, True)}
        # "graffiti-covered", "neon-lit", "sepia-toned": the compound's ending says what kind of word it is
        self._compounds = {cat: re.compile(r"(?<![\w-])([a-z]+-(?:" + "|".join(map(re.escape, endings)) + r"))(?![\w-])")
                           for cat, endings in lexicon.get("compound_endings", {}).items()}
        # "a dancer made of smoke": what a thing is made of is its texture, whatever the word
        lead_ins = lexicon.get("material_lead_ins", [])
        self._materials = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, lead_ins)) + r") ([a-z][a-z-]{2,})") \
            if lead_ins else None
        self.concept_words = {w for c in lexicon["concepts"].values() for w in c["keywords"]}
        self.terms = list(self.categories_of)
        self._term_vectors = self.embed(self.terms)
        self._word_cache: dict[str, np.ndarray] = {}  # insertion order: the oldest word first

    def find(self, lower: str) -> dict[str, list[Keyword]]:
        keywords: dict[str, list[Keyword]] = {c: [] for c in CATEGORIES}
        covered: list[tuple[int, int]] = []
        for reads_mood, pattern in self._patterns.items():
            for match in pattern.finditer(lower):
                covered.append(match.span())
                for cat in self.categories_of[match.group(1)]:
                    if (cat == "mood") == reads_mood:
                        _add(keywords, match.group(1), cat, "lexicon")
        for cat, pattern in self._compounds.items():
            for match in pattern.finditer(lower):
                if _add(keywords, match.group(1), cat, "lexicon"):
                    covered.append(match.span())
        for match in self._materials.finditer(lower) if self._materials else ():
            lead_in, word = match.groups()
            if word not in STOPWORDS and _add(keywords, word, "texture", f"after '{lead_in}'"):
                covered.append(match.span(2))
        self._similar(lower, covered, keywords)
        return keywords

    def _similar(self, lower: str, covered: list[tuple[int, int]], keywords: dict[str, list[Keyword]]) -> None:
        """Place words the lexicon lacks by their nearest lexicon term, when it is near enough."""
        candidates = []
        for match in re.finditer(r"[a-z][a-z'-]{3,}", lower):
            word = match.group(0)
            if any(s <= match.start() < e for s, e in covered) or word in STOPWORDS or stem(word) in STOPWORDS:
                continue
            if word in self.concept_words or stem(word) in self.concept_words:
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
                term = self.terms[best]
                for cat in self.categories_of[term]:  # "moonlit" is both lighting and a mood's cue
                    keywords[cat].append(Keyword(term=word, category=cat, source=f"similar to {term}",
                                                 score=round(float(sims[best]), 3)))

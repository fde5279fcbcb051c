"""The rules a refined prompt must pass, written down once: the offline director's answers are checked by them
(best of several samples, else the rule-based enhancer) and `bench.eval_director` scores models with them.

1. It parses: the model answered the JSON asked for.
2. It keeps the user's key words: every subject word of the original (a content word that is not a style, mood,
   colour, lighting, texture or composition term) is still there.
3. It adds what the action asks for: at least one new term in each asked category (Simplify: fewer words instead).
4. It fits an image encoder: at most 77 CLIP tokens.
Pure: the analyzer's keyword finder and a token counter come in.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Callable

from neurocanvas.engines.prompt_analysis import STOPWORDS

MAX_CLIP_TOKENS = 77
ASKED = {"refine": ("style", "lighting"), "dramatic": ("lighting", "mood"), "details": ("texture", "colour"),
         "simplify": (), "explain": ("style",), "variations": ("style",)}
RULES = ("parses", "keeps the key words", "adds the asked terms", "fits 77 CLIP tokens")

Keywords = Callable[[str], dict[str, list[str]]]  # category -> terms found in a text


@dataclasses.dataclass
class Check:
    passed: dict[str, bool]  # rule -> passed
    missing_words: list[str]
    missing_categories: list[str]
    tokens: int

    @property
    def ok(self) -> bool:
        return all(self.passed.values())

    @property
    def score(self) -> float:
        return sum(self.passed.values()) / len(self.passed)

    def failures(self) -> str:
        notes = {"keeps the key words": f"dropped {', '.join(self.missing_words)}",
                 "adds the asked terms": f"no new {' or '.join(self.missing_categories)} term",
                 "fits 77 CLIP tokens": f"{self.tokens} CLIP tokens", "parses": "not the JSON asked for"}
        return "; ".join(notes[rule] for rule, ok in self.passed.items() if not ok)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-zà-ÿ][a-zà-ÿ'-]+", text.lower())


def _stem(word: str) -> str:
    return word[:5] if len(word) > 5 else word.rstrip("s")


def key_words(prompt: str, keywords: Keywords) -> list[str]:
    """The subject words: content words that no category claims."""
    claimed = {w for terms in keywords(prompt).values() for term in terms for w in _words(term)}
    return list(dict.fromkeys(w for w in _words(prompt) if len(w) > 2 and w not in STOPWORDS and w not in claimed))


def check(original: str, refined: str, action: str, parsed: bool, keywords: Keywords,
          count_tokens: Callable[[str], int]) -> Check:
    kept = {_stem(w) for w in _words(refined)}
    missing_words = [w for w in key_words(original, keywords) if _stem(w) not in kept]
    before, after = keywords(original), keywords(refined)
    missing_categories = [c for c in ASKED.get(action, ()) if not
                          {t.lower() for t in after.get(c, [])} - {t.lower() for t in before.get(c, [])}]
    adds = not missing_categories
    if action == "simplify":
        adds = 0 < len(_words(refined)) < len(_words(original))
        missing_categories = [] if adds else ["shorter"]
    tokens = count_tokens(refined)
    return Check({"parses": parsed, "keeps the key words": not missing_words, "adds the asked terms": adds,
                  "fits 77 CLIP tokens": tokens <= MAX_CLIP_TOKENS}, missing_words, missing_categories, tokens)


def simplified(prompt: str, keywords: Keywords, keep: int = 3) -> str:
    """The rule-based Simplify: the subject words, then the first few terms the categories found."""
    found = keywords(prompt)
    terms = [t for c in ("style", "lighting", "mood", "colour", "composition", "texture") for t in found.get(c, [])]
    subject = " ".join(key_words(prompt, keywords))
    return ", ".join([subject, *list(dict.fromkeys(terms))[:keep]]) if subject else ", ".join(terms[:keep]) or prompt


def clip_token_counter() -> Callable[[str], int]:
    """CLIP's own BPE (shipped inside open_clip, no download): tokens including start and end."""
    from open_clip.tokenizer import SimpleTokenizer

    tokenizer = SimpleTokenizer()
    return lambda text: len(tokenizer.encode(text)) + 2

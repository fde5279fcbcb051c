"""The director's loop, the pure part: which parts of a prompt to look for in its image, what CLIP says the
image shows and misses, and merging phrases of two versions into one prompt."""
from __future__ import annotations

import dataclasses
import re

MAX_VERSIONS = 4  # the current version and up to three alternatives
MAX_TERMS = 12  # CLIP reads ~77 tokens: a dozen parts cover any prompt worth scoring
# A part counts as shown when its CLIP cosine reaches this. Calibrated for CLIP ViT-B/32, where a word the image
# shows scores about 0.22-0.32 and an absent one 0.12-0.19.
SHOWN_AT = 0.2
FILLER = set("a an the of in on at with and or for to by from into over under near its his her their this that is are "
             "very highly best quality masterpiece high resolution 4k 8k hd uhd ultra detailed trending artstation "
             "style image picture photo".split())


@dataclasses.dataclass
class Look:
    """What CLIP says one image shows of its prompt."""
    prompt_score: float
    shows: list[tuple[str, float]]
    misses: list[tuple[str, float]]
    text: str


def prompt_terms(prompt: str, keywords: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(category, term) pairs: the analysis's category terms, then the subject, the words left between them."""
    lower = prompt.lower()
    found = [(category, term.lower()) for category, terms in keywords.items() for term in terms
             if term and term.lower() in lower]
    covered = {word for _, term in found for word in term.split()}
    subject: list[str] = []
    for phrase in re.split(r"[,;.|()\[\]]+", lower):
        chunk: list[str] = []
        for word in re.findall(r"[^\W\d_][\w'-]*", phrase):
            if word in FILLER or word in covered or len(word) < 3:
                if chunk:
                    subject.append(" ".join(chunk))
                chunk = []
            else:
                chunk.append(word)
        if chunk:
            subject.append(" ".join(chunk))
    terms: dict[str, str] = {}  # term -> category, the first category that names it
    for category, term in found + [("subject", s) for s in subject]:
        terms.setdefault(term, category)
    return [(category, term) for term, category in terms.items()][:MAX_TERMS]


def look(prompt_score: float, term_scores: list[tuple[str, float]], shown_at: float = SHOWN_AT) -> Look:
    """Split the terms at the threshold and say it in one sentence, the misses with their scores."""
    shows = [(t, s) for t, s in term_scores if s >= shown_at]
    misses = sorted([(t, s) for t, s in term_scores if s < shown_at], key=lambda ts: ts[1])
    shown = " and ".join(f"'{t}'" for t, _ in shows[:4]) + (f" and {len(shows) - 4} more" if len(shows) > 4 else "")
    missed = ", ".join(f"'{t}' ({s:.2f})" for t, s in misses)
    if not term_scores:
        text = "The prompt has no parts to look for."
    elif not misses:
        text = f"The image shows every part of the prompt: {shown}."
    elif not shows:
        text = f"The image shows none of the prompt's parts clearly: {missed}."
    else:
        text = f"The image shows {shown} but not {missed}."
    return Look(prompt_score, shows, misses, text)


def phrases(prompt: str) -> list[str]:
    """A prompt's phrases: its comma-separated parts, in order, each once."""
    return list(dict.fromkeys(p.strip() for p in re.split(r"[,;\n]+", prompt or "") if p.strip()))


def merge(first: str, second: str, picks: list[str]) -> str:
    """The picked phrases, the first version's in its order, then the second's; refuses an empty merge."""
    offered = phrases(first) + [p for p in phrases(second) if p not in phrases(first)]
    unknown = [p for p in picks or [] if p not in offered]
    if unknown:
        raise ValueError(f"{unknown[0]!r} is not a phrase of either version: pick the phrases offered.")
    merged = [p for p in offered if p in (picks or [])]
    if not merged:
        raise ValueError("The merged prompt is empty: tick at least one phrase of the two versions.")
    return ", ".join(merged)


def clean_prompts(prompts: list[str] | str) -> list[str]:
    """The versions to render: non-empty, each once, at most MAX_VERSIONS (one per line when given as text)."""
    if isinstance(prompts, str):
        prompts = prompts.splitlines()
    kept = list(dict.fromkeys(" ".join(str(p).split()) for p in prompts or [] if str(p).strip()))
    if not kept:
        raise ValueError("There is nothing to render: refine a prompt first, or write one per line in "
                         "'Versions to render'.")
    if len(kept) > MAX_VERSIONS:
        raise ValueError(f"Render at most {MAX_VERSIONS} versions at once (the current one and three "
                         f"alternatives); there are {len(kept)}.")
    return kept

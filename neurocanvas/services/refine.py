"""The art director's refinement, checked by the written rules (engines/refine_check): the model samples a few
answers until one passes; when none does, the rule-based answer is given instead, and the explanation says so.
So the director is never worse than the rule-based enhancer."""
from __future__ import annotations

import dataclasses
import hashlib
from typing import Any, Callable

from neurocanvas.engines import refine_check
from neurocanvas.services.director import DirectorModels

SAMPLES = 3  # answers tried before the rule-based one (each ~1-2 s with SmolLM2 on two cores)
PREFERRED = {  # the first of these the prompt lacks is what the rule-based answer adds for an asked category
    ("dramatic", "lighting"): ["dramatic lighting", "chiaroscuro", "rim lighting", "harsh shadows"],
    ("dramatic", "mood"): ["dramatic", "epic", "intense", "tense"],
    ("details", "texture"): ["intricate", "weathered", "rough", "glossy"],
    ("details", "colour"): ["warm", "earthy", "vibrant", "muted"],
}


class CheckedRefiner:
    def __init__(self, models: DirectorModels, analyzer: Callable[[], Any], samples: int = SAMPLES) -> None:
        self.models, self.analyzer, self.samples = models, analyzer, samples
        self._count_tokens: Callable[[str], int] | None = None

    def keywords(self, text: str) -> dict[str, list[str]]:
        return {c: [k.term for k in found] for c, found in self.analyzer().analyze(text).keywords.items()}

    def count_tokens(self, text: str) -> int:
        if self._count_tokens is None:
            self._count_tokens = refine_check.clip_token_counter()
        return self._count_tokens(text)

    def check(self, original: str, refined: str, action: str, parsed: bool) -> refine_check.Check:
        return refine_check.check(original, refined, action, parsed, self.keywords, self.count_tokens)

    def refine(self, prompt: str, action: str, model_id: str, details: dict | None = None,
               fallback: bool = True, examples: bool = True) -> dict:
        """The first sampled answer that passes every rule; else the best one's failures and the rule-based answer.
        Actions the rules do not cover (refine from the result) are answered once, unchecked."""
        if action not in refine_check.ASKED:
            with self.models.director(model_id) as director:
                return {**dataclasses.asdict(director.refine(prompt, action, details=details)), "checked": False,
                        "fallback": False}
        best, tries = None, 0
        with self.models.director(model_id) as director:
            for seed in range(self.samples):
                result = director.refine(prompt, action, seed=seed, examples=examples)
                verdict = self.check(result.original, result.refined_prompt, action, result.parsed)
                tries += 1
                if best is None or verdict.score > best[1].score:
                    best = (result, verdict)
                if verdict.ok:
                    break
        result, verdict = best
        answer = {**dataclasses.asdict(result), "checked": True, "fallback": False, "tries": tries,
                  "rules": verdict.passed}
        if verdict.ok or not fallback:
            return answer
        text = self.rule_based(result.original, action)
        return {**answer, "refined_prompt": text, "fallback": True, "alternatives": [],
                "rules": self.check(result.original, text, action, True).passed,
                "explanation": f"The model's best answer of {tries} did not pass the checks ({verdict.failures()}), "
                               f"so this is the rule-based answer instead."}

    def rule_based(self, prompt: str, action: str) -> str:
        """Simplify keeps the subject and a few terms; the others enhance, then add a term for each asked
        category that still has nothing new."""
        if action == "simplify":
            return refine_check.simplified(prompt, self.keywords)
        text = self.analyzer().enhance(prompt).prompt
        before, after = self.keywords(prompt), self.keywords(text)
        for category in refine_check.ASKED[action]:
            if set(after.get(category, [])) - set(before.get(category, [])):
                continue
            term = self._term(prompt, action, category)
            if term:
                text = f"{text}, {term}"
        return text

    def _term(self, prompt: str, action: str, category: str) -> str | None:
        """A term the analysis files under `category` that the prompt lacks: the preferred ones first, then the
        lexicon's, in an order fixed by the prompt (the same prompt gets the same answer)."""
        lexicon = self.analyzer().lexicon["categories"].get(category, [])
        start = int(hashlib.sha256(prompt.encode()).hexdigest()[:8], 16) % max(1, len(lexicon))
        for term in PREFERRED.get((action, category), []) + lexicon[start:] + lexicon[:start]:
            if term.lower() not in prompt.lower() and term in self.keywords(term).get(category, []):
                return term
        return None

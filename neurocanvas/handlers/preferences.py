"""Feedback on results, the bandits that learn from it, and what they recommend.

Arms: the model of an image, the style presets of a restyle, and the mood, subject (concept) and named colours
of the prompt. The subject arms order the prompt presets' categories.
The feedback table is the source of truth: arm statistics that fail a sanity check are rebuilt from it.
"""
from __future__ import annotations

import collections
import dataclasses
import html
import json
import logging
import math
import random
from pathlib import Path
from typing import Any, Callable

import gradio as gr
import numpy as np

from neurocanvas.context import AppContext
from neurocanvas.handlers.common import row_id, user_errors, user_of
from neurocanvas.handlers.prompt_lab import load_templates
from neurocanvas.personalize import bandits, recommend, rewards
from neurocanvas.style_presets import label, load_presets

log = logging.getLogger(__name__)
FAMILIES = ("model", "style", "mood", "colour", "concept")
PRESET_CONCEPTS = {"landscape": "nature"}  # a prompt-preset category -> the analysis concept it is about (else itself)
LEXICON = Path(__file__).resolve().parents[2] / "presets" / "prompt_lexicon.json"


def _valid(state: dict) -> bool:
    values = [state["pulls"], state["reward_sum"], state["alpha"], state["beta"]]
    return (all(isinstance(v, (int, float)) and math.isfinite(v) for v in values) and state["pulls"] >= 0
            and 0 <= state["reward_sum"] <= state["pulls"] and state["alpha"] >= 1 and state["beta"] >= 1
            and abs(state["alpha"] + state["beta"] - 2 - state["pulls"]) < 1e-6)


class PreferencesHandler:
    def __init__(self, ctx: AppContext, analyse: Callable[[str], Any] | None = None) -> None:
        self.registry = ctx.registry
        self.repo = ctx.repo
        self.shares = ctx.shares  # signed share links
        self.files = ctx.files  # which image is shared
        self.analyse = analyse  # prompt -> Analysis (mood, concepts, colour keywords); None: no such arms
        self.templates = load_templates()  # the prompt presets: ordered for the user, and ideas to recommend
        self.presets = load_presets()
        self.moods = list(json.loads(LEXICON.read_text(encoding="utf-8"))["moods"])

    # the algorithm ----------------------------------------------------------------------------------
    def algorithm(self, user: str) -> tuple[str, float]:
        """The user's choice, else the A/B assignment recorded when the user was created (a read: no write here;
        a user from before that record gets the same assignment from the name)."""
        settings = self.repo.user_settings(user)
        return settings.get("algorithm") or bandits.assigned(user), float(settings.get("epsilon", 0.1))

    def current_algorithm(self, request: gr.Request) -> tuple[str, float]:
        """The radio and epsilon as this user's learning runs now (their choice, else their A/B assignment)."""
        with user_errors():
            return self.algorithm(user_of(request))

    def set_algorithm(self, name: str, epsilon: float, request: gr.Request) -> str:
        with user_errors():
            bandits.make(name, float(epsilon))  # validates both
            self.repo.update_user_settings(user_of(request), {"algorithm": name, "epsilon": float(epsilon),
                                                              "ab_assigned": False})
            return f"Recommendations now use {name}."

    def states(self, user: str, family: str) -> dict[str, bandits.ArmState]:
        """The user's arm statistics; corrupt ones (NaN, negative, inconsistent) are rebuilt from the feedback."""
        algorithm, _ = self.algorithm(user)
        raw = self.repo.arm_states(user, algorithm, family)
        if not all(_valid(s) for s in raw.values()):
            log.warning("arm statistics of %s (%s, %s) were corrupt: rebuilt from the feedback", user, algorithm, family)
            self.rebuild(user)
            raw = self.repo.arm_states(user, algorithm, family)
        return {a: bandits.ArmState(**s) for a, s in raw.items()}

    def rebuild(self, user: str) -> None:
        """Recompute every arm of the user's algorithm from the feedback table, in one transaction."""
        algorithm, _ = self.algorithm(user)
        states: dict[str, dict[str, bandits.ArmState]] = collections.defaultdict(dict)
        arms: dict[int, list[tuple[str, str]]] = {}  # an image's arms, worked out once (its prompt is analysed)
        for image, kind, score in self.repo.feedback_history(user):
            if image.id not in arms:
                arms[image.id] = self.arms_of(image)
            for family, arm in arms[image.id]:
                bandits.update(states[family], arm, rewards.to_unit(score))
        self.repo.replace_arms(user, algorithm, {(family, arm): dataclasses.asdict(state)
                                                 for family, by_arm in states.items() for arm, state in by_arm.items()})

    def choose(self, user: str, family: str, arms: list[str], rng: random.Random | None = None) -> bandits.Choice | None:
        """The user's bandit picks one of `arms` (None when there is nothing to choose between)."""
        if len(arms) < 2:
            return None
        algorithm, epsilon = self.algorithm(user)
        return bandits.make(algorithm, epsilon).choose(arms, self.states(user, family), rng or random.Random())

    # feedback --------------------------------------------------------------------------------------
    def feedback(self, image_id: float, kind: str, value: float, request: gr.Request) -> str:
        """Record a reaction to one of the user's images; the bandits learn from new feedback only."""
        with user_errors():
            if kind == "vote":  # a vote weighs images against each other: only Compare's /vote casts one
                raise ValueError("Votes are cast in Compare & vote (the /vote endpoint), among the images compared.")
            return self.record(user_of(request), image_id, kind, value, origin=_origin(request))

    def record(self, user: str, image_id: Any, kind: str, value: Any = 0, origin: str = "") -> str:
        """`origin` (this studio's address as the browser reached it) makes a share's embed snippet."""
        image_id = row_id(image_id, "an image")
        score = rewards.reward(kind, _finite(value))
        row, new = self.repo.record_feedback(user, image_id, kind, _finite(value), score)
        if kind == "share":
            image = self.files.start_sharing(user, image_id)
        else:
            image = self.repo.image(user, image_id) if new else None  # not for a flood's repeats
        link = f" Link (copied): {self.link(image)}" if kind == "share" else ""
        if kind == "share" and origin:
            link += "\n\nEmbed it in a web page:\n```html\n" + self.embed(image, origin) + "\n```"
        if not new:
            return f"Already counted: your {kind} of image #{image_id}.{link}"
        algorithm, _ = self.algorithm(user)
        for family, arm in self.arms_of(image):
            state = self.states(user, family)
            bandits.update(state, arm, rewards.to_unit(score))
            self.repo.save_arm(user, algorithm, family, arm, dataclasses.asdict(state[arm]))
        return f"Thanks: {kind} recorded for image #{image_id} (reward {score:+.1f}).{link}"

    def link(self, image) -> str:
        """A signed link to the image on this studio, for Share: it ends when the image is deleted or unshared."""
        return self.shares.link(image.id, image.sha256, image.share_key)

    def embed(self, image, origin: str) -> str:
        """HTML that shows the shared image on another page, linked to itself, its prompt as the alt text."""
        url = html.escape(origin + self.link(image), quote=True)
        generation = self.repo.image_generation(image)
        alt = html.escape((generation.prompt if generation else "")[:200] or f"Image {image.id}", quote=True)
        return (f'<a href="{url}"><img src="{url}" alt="{alt}" width="{image.width}" height="{image.height}" '
                f'loading="lazy"></a>')

    def stop_sharing(self, image_id: float, request: gr.Request) -> str:
        """Every link to the image stops opening; a later Share makes a new one."""
        with user_errors():
            image_id = row_id(image_id, "an image")
            if self.files.stop_sharing(user_of(request), image_id):
                return f"Image #{image_id} is no longer shared: its links no longer open."
            return f"Image #{image_id} was not shared."

    def skip_unanswered(self, user: str) -> int:
        """'No interaction': when a new job starts, the last job's images that got no reaction count as skipped.

        Never in a job's way: a failure here is logged and the job goes on."""
        skipped = 0
        try:
            for image in self.repo.unanswered_images(user):
                self.record(user, image.id, "skip")
                skipped += 1
        except Exception:
            log.exception("recording skips for %s failed", user)
        return skipped

    def arms_of(self, image) -> list[tuple[str, str]]:
        arms = [("model", image.model_id)] if image.model_id else []
        generation = self.repo.image_generation(image)
        if generation is None:
            return arms
        if generation.kind == "style_transfer":
            arms += [("style", s) for s in json.loads(generation.params).get("styles", []) if s in self.presets]
        elif self.analyse is not None and generation.prompt.strip():
            try:
                analysis = self.analyse(generation.prompt)
            except ValueError:
                return arms
            arms.append(("mood", analysis.mood))
            arms += [("concept", name) for name, _ in analysis.concepts[:1]]
            arms += [("colour", k.term.lower()) for k in analysis.keywords.get("colour", [])][:3]
        return arms

    # recommendations -------------------------------------------------------------------------------
    def recommend(self, request: gr.Request) -> dict:
        """What the user's bandit picks next (with why), prompts for them, trending styles, something new."""
        user = user_of(request)
        with user_errors():
            algorithm, _ = self.algorithm(user)
            for family in FAMILIES:
                self.states(user, family)  # repairs corrupt statistics first
            answer: dict = {"algorithm": algorithm}
            families = {"model": [s.id for s in self.registry.specs("text-to-image") if self.registry.is_installed(s.id)],
                        "style": list(self.presets), "mood": self.moods}
            for family, arms in families.items():
                choice = self.choose(user, family, arms)
                answer[family] = ({"choice": choice.arm, "reason": f"chosen for you: {choice.reason}"} if choice else
                                  {"choice": arms[0], "reason": "the only one installed"} if arms else None)
                if family == "style" and answer[family]:
                    answer[family]["name"] = label(self.presets[answer[family]["choice"]])
            answer["for_you"] = [dataclasses.asdict(s) for s in self.for_you(user)]
            answer["from_similar_users"] = [dataclasses.asdict(s) for s in self.similar_users(user)]
            answer["trending_styles"] = self.trending_styles()
            answer["explore"] = self.explore(user)
            answer["favourite_prompts"] = [p.text for p in self.repo.prompts(user, favourites=True, limit=5)]
            return answer

    def for_you(self, user: str, k: int = 5) -> list[recommend.Suggestion]:
        """Content-based: prompt ideas nearest (MiniLM) to the prompts whose images the user liked."""
        liked = self.repo.liked_prompts(user).get(user, []) + [p.text for p in self.repo.prompts(user, favourites=True)]
        candidates = list(dict.fromkeys(t for templates in self.templates.values() for t in templates))
        if not liked or not candidates:
            return []
        encoder = self.registry.get("minilm")
        vectors = encoder.encode(liked + candidates, normalize_embeddings=True, convert_to_numpy=True)
        preferred = [a for family in ("mood", "colour") for a, s in self.states(user, family).items()
                     if s.pulls and s.mean > 0.5]
        preferred += [self.presets[a]["artist"].split()[-1] for a, s in self.states(user, "style").items()
                      if s.pulls and s.mean > 0.5 and a in self.presets]
        return recommend.content_based(liked, np.asarray(vectors[: len(liked)]), candidates,
                                       np.asarray(vectors[len(liked):]), preferred, k)

    def similar_users(self, user: str, k: int = 5) -> list[recommend.Suggestion]:
        """Collaborative: what users with preference vectors close to this user's liked, as tags, and what they shared."""
        vectors = {name: recommend.preference_vector(v) for name, v in self.repo.preference_vectors().items()}
        me = vectors.pop(user, {})
        if not me or not vectors:
            return []
        mine = set(self.repo.liked_prompts(user).get(user, []))
        return recommend.collaborative(me, vectors, self.repo.liked_prompts(None, shared=True), mine, k)

    def trending_styles(self, days: int = 7, k: int = 3) -> list[dict]:
        """Styles with the most positive reactions from everyone in the last week."""
        totals: dict[str, float] = {}
        for params, score in self.repo.recent_style_feedback(days):
            for style in params.get("styles", []):
                if style in self.presets:
                    totals[style] = totals.get(style, 0.0) + score
        best = sorted((t, s) for s, t in totals.items() if t > 0)[::-1][:k]
        return [{"style": s, "name": label(self.presets[s]), "score": round(t, 2)} for t, s in best]

    def explore(self, user: str) -> dict:
        """The style and mood this user has tried least: 'explore something new'."""
        answer = {}
        for family, arms in (("style", list(self.presets)), ("mood", self.moods)):
            pulls = {a: s.pulls for a, s in self.states(user, family).items()}
            arm = recommend.explore(arms, pulls)
            name = label(self.presets[arm]) if family == "style" else arm
            answer[family] = {"choice": arm, "name": name, "reason": f"explore something new: {name} "
                              + ("(you have not tried it yet)" if not pulls.get(arm) else f"(tried {pulls[arm]} times)")}
        return answer

    def suggest_style(self, request: gr.Request) -> tuple[str, str]:
        """The Style transfer tab's preset, picked by the user's bandit, and why."""
        user = user_of(request)
        with user_errors():  # the same pick until the user reacts again: a reload does not jump to another style
            pulls = sum(s.pulls for s in self.states(user, "style").values())
            choice = self.choose(user, "style", list(self.presets), random.Random(f"{user}:{pulls}"))
            return choice.arm, f"Style chosen for you: **{label(self.presets[choice.arm])}** ({choice.reason})."

    def preset_order(self, request: gr.Request) -> list[dict]:
        """The prompt presets' categories in the order the user's bandit ranks their subjects, each with why."""
        user = user_of(request)
        with user_errors():
            concept_of = {category: PRESET_CONCEPTS.get(category, category) for category in self.templates}
            algorithm, epsilon = self.algorithm(user)
            order = bandits.rank(bandits.make(algorithm, epsilon), list(concept_of.values()),
                                 self.states(user, "concept"), random.Random())
            by_concept = {concept: category for category, concept in concept_of.items()}
            return [{"category": by_concept[c.arm], "reason": c.reason, "prompts": self.templates[by_concept[c.arm]]}
                    for c in order]

    # charts and reports ----------------------------------------------------------------------------
    def preferences(self, request: gr.Request) -> tuple:
        """One table per family (models, styles, moods, colours, subjects): arm, average reward (0-1), reactions."""
        import pandas as pd

        user = user_of(request)
        with user_errors():
            algorithm, _ = self.algorithm(user)
            for family in FAMILIES:
                self.states(user, family)  # repairs corrupt statistics before they are charted
            rows = self.repo.arm_table(user, algorithm)
            return tuple(pd.DataFrame([(a, round(m, 3), n) for f, a, n, m in rows if f == family],
                                      columns=[family, "average reward", "reactions"]) for family in FAMILIES)

    def report(self) -> list[list]:
        with user_errors():
            return [[a, users, round(total or 0.0, 2)] for a, users, total in self.repo.reward_by_algorithm()]


def _finite(value: Any) -> float:
    try:
        number = float(value or 0)
    except (TypeError, ValueError):
        raise ValueError("The value must be a number.") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("The value must be a finite number.")
    return number


def _origin(request: gr.Request | None) -> str:
    """scheme://host the browser used (the host guard has vetted Host); '' when there is no request."""
    headers = getattr(request, "headers", None) or {}
    host = headers.get("host", "")
    scheme = (headers.get("x-forwarded-proto") or "http").split(",")[0].strip()
    return f"{scheme if scheme in ('http', 'https') else 'http'}://{host}" if host else ""

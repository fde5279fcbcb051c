"""Feedback on results, the bandits that learn from it, and what they recommend."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import random

import gradio as gr

from neurocanvas.context import AppContext
from neurocanvas.handlers.common import user_errors, user_of
from neurocanvas.personalize import bandits, rewards
from neurocanvas.style_presets import load_presets


class PreferencesHandler:
    def __init__(self, ctx: AppContext) -> None:
        self.registry = ctx.registry
        self.repo = ctx.repo

    def algorithm(self, user: str) -> tuple[str, float]:
        """The user's choice, else an A/B assignment made once from the user's name and recorded."""
        settings = self.repo.user_settings(user)
        if "algorithm" not in settings:
            names = sorted(bandits.ALGORITHMS)
            assigned = names[int(hashlib.sha256(user.encode()).hexdigest(), 16) % len(names)]
            settings = self.repo.update_user_settings(user, {"algorithm": assigned, "ab_assigned": True})
        return settings["algorithm"], float(settings.get("epsilon", 0.1))

    def choose(self, user: str, family: str, arms: list[str], rng: random.Random | None = None) -> bandits.Choice | None:
        """The user's bandit picks one of `arms` (None when there is nothing to choose between)."""
        if len(arms) < 2:
            return None
        algorithm, epsilon = self.algorithm(user)
        state = {a: bandits.ArmState(**s) for a, s in self.repo.arm_states(user, algorithm, family).items()}
        return bandits.make(algorithm, epsilon).choose(arms, state, rng or random.Random())

    def set_algorithm(self, name: str, epsilon: float, request: gr.Request) -> str:
        with user_errors():
            bandits.make(name, float(epsilon))  # validates both
            self.repo.update_user_settings(user_of(request), {"algorithm": name, "epsilon": float(epsilon),
                                                              "ab_assigned": False})
            return f"Recommendations now use {name}."

    def feedback(self, image_id: float, kind: str, value: float, request: gr.Request) -> str:
        """Record a reaction to one of the user's images; the bandits learn from new feedback only."""
        user = user_of(request)
        with user_errors():
            if not image_id:
                raise ValueError("Pick an image first.")
            score = rewards.reward(kind, float(value or 0))
            row, new = self.repo.record_feedback(user, int(image_id), kind, float(value or 0), score)
            if not new:
                return f"Already counted: your {kind} of image #{int(image_id)}."
            image = self.repo.image(user, int(image_id))
            algorithm, _ = self.algorithm(user)
            for family, arm in self._arms_of(image):
                state = {a: bandits.ArmState(**s) for a, s in self.repo.arm_states(user, algorithm, family).items()}
                bandits.update(state, arm, rewards.to_unit(score))
                self.repo.save_arm(user, algorithm, family, arm, dataclasses.asdict(state[arm]))
            return f"Thanks: {kind} recorded for image #{int(image_id)} (reward {score:+.1f})."

    def _arms_of(self, image) -> list[tuple[str, str]]:
        arms = [("model", image.model_id)] if image.model_id else []
        generation = self.repo.image_generation(image)
        if generation is not None and generation.kind == "style_transfer":
            arms += [("style", s) for s in json.loads(generation.params).get("styles", []) if s != "own image"]
        return arms

    def recommend(self, request: gr.Request) -> dict:
        """The model and style the user's bandit would pick next, each with its reason."""
        user = user_of(request)
        with user_errors():
            algorithm, epsilon = self.algorithm(user)
            bandit = bandits.make(algorithm, epsilon)
            rng = random.Random()
            answer: dict = {"algorithm": algorithm}
            families = {"model": [s.id for s in self.registry.specs("text-to-image") if self.registry.is_installed(s.id)],
                        "style": list(load_presets())}
            for family, arms in families.items():
                if not arms:
                    answer[family] = None
                    continue
                state = {a: bandits.ArmState(**s) for a, s in self.repo.arm_states(user, algorithm, family).items()}
                choice = bandit.choose(arms, state, rng)
                answer[family] = {"choice": choice.arm, "reason": f"chosen for you: {choice.reason}"}
            answer["favourite_prompts"] = [p.text for p in self.repo.prompts(user, favourites=True, limit=5)]
            return answer

    def preferences(self, request: gr.Request):
        import pandas as pd

        with user_errors():
            rows = self.repo.feedback_by_model(user_of(request))
            return pd.DataFrame(rows, columns=["model", "feedback", "mean reward"])

    def report(self) -> list[list]:
        with user_errors():
            return [[a, users, round(total or 0.0, 2)] for a, users, total in self.repo.reward_by_algorithm()]


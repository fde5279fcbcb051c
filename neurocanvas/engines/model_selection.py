"""Auto: which models to run for a prompt, read from its analysis, by the rules in presets/auto_rules.json.

1. A painter, painting or art movement named (Van Gogh, ukiyo-e...) -> a diffusion render, and the same
   render restyled with that painting's preset.
2. Otherwise the main concept orders the models: portraits try the model tuned on people first.
3. Abstract prompts run one model with several seeds: there, variety matters more than the model.
4. Anything else: one run per installed model, best first; fewer models than runs -> more seeds.
The user's bandit may put its favourite first (`prefer`), and the plan says why each run is there.
Pure: plain inputs, a Plan out.
"""
from __future__ import annotations

import dataclasses
import re


@dataclasses.dataclass
class Run:
    model_id: str
    seed_offset: int = 0
    restyle: str | None = None  # a style preset applied to the render
    reason: str = ""


@dataclasses.dataclass
class Plan:
    rule: str  # painter, portrait, abstract, default, chosen
    runs: list[Run]
    summary: str


def find_painter(prompt: str, painters: dict[str, str]) -> tuple[str, str] | None:
    """The longest painter/movement name in the prompt, as a whole phrase: (name, preset)."""
    text = prompt.lower()
    for name in sorted(painters, key=len, reverse=True):
        if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text):
            return name, painters[name]
    return None


def main_concept(concepts: list[tuple[str, float]], threshold: float, ruled: set[str] = frozenset(),
                 close: float = 0.0) -> str | None:
    """The most likely concept; in a close call (the second within `close`), one with its own model order wins."""
    top = [c for c in concepts[:2] if c[1] >= threshold]
    if not top:
        return None
    if len(top) == 2 and top[0][0] not in ruled and top[1][0] in ruled and top[0][1] - top[1][1] <= close:
        return top[1][0]
    return top[0][0]


def ordered_models(concepts: list[tuple[str, float]], installed: list[str], rules: dict) -> tuple[str | None, list[str]]:
    """The prompt's main concept, and the installed models in that concept's order (the rest after them)."""
    concept = main_concept(concepts, rules.get("concept_threshold", 0.3), set(rules["models"]) - {"default"},
                           rules.get("close_call", 0.0))
    order = rules["models"].get(concept or "", rules["models"]["default"])
    return concept, [m for m in order if m in installed] + [m for m in installed if m not in order]


def select(prompt: str, concepts: list[tuple[str, float]], installed: list[str], rules: dict, count: int = 3,
           prefer: tuple[str, str] | None = None, style_names: dict[str, str] | None = None) -> Plan:
    """Plan `count` runs (2-4) from the installed text-to-image models; `prefer` = (model, why) from the bandit."""
    if not installed:
        raise ValueError("No text-to-image model is installed, so Auto has nothing to choose from.")
    if not 1 <= count <= 4:
        raise ValueError(f"Auto runs 1 to 4 images, not {count}.")
    concept, models = ordered_models(concepts, installed, rules)
    why_first = f"best for {concept} prompts" if concept in rules["models"] else "the studio's default order"
    if prefer and prefer[0] in models:
        models.remove(prefer[0])
        models.insert(0, prefer[0])
        why_first = prefer[1]
    painter = find_painter(prompt, rules["painters"])
    if painter:
        name, preset = painter
        title = (style_names or {}).get(preset, preset)
        runs = [Run(models[0], 0, None, f"the plain render ({why_first})"),
                Run(models[0], 0, preset, f"'{name}' is named: the render restyled with {title}")]
        for i, model in enumerate((models[1:] + models[:1] * count)[: count - 2], start=1):
            runs.append(Run(model, i, preset, f"another render restyled with {title}"))
        return Plan("painter", runs[:count], f"'{name}' named → a render and its {title} restyle.")
    if concept in rules.get("seeds_only", []):
        runs = [Run(models[0], i, None, f"seed +{i}: for {concept} prompts variety beats the model choice")
                for i in range(count)]
        runs[0].reason = f"{why_first}; " + runs[0].reason
        return Plan(concept, runs, f"{concept} → {models[0]} with {count} seeds.")
    runs = [Run(m, 0, None, why_first if i == 0 else "another installed model, for comparison")
            for i, m in enumerate(models[:count])]
    for i in range(count - len(runs)):
        runs.append(Run(models[0], i + 1, None, f"seed +{i + 1}: fewer models installed than runs"))
    rule = concept if concept in rules["models"] else "default"
    return Plan(rule, runs, f"{concept or 'general'} prompt → {', '.join(dict.fromkeys(r.model_id for r in runs))}.")


PLAN_HEADERS = ["Model", "Restyle with", "Seed offset", "Why"]


def plan_rows(plan: Plan, style_names: dict[str, str] | None = None) -> list[list]:
    """The plan as the table the user can edit before it runs."""
    names = style_names or {}
    return [[r.model_id, names.get(r.restyle, r.restyle) if r.restyle else "", r.seed_offset, r.reason]
            for r in plan.runs]


def plan_from_rows(rows: list[list], installed: list[str], style_names: dict[str, str] | None = None) -> Plan | None:
    """The (edited) plan table back into a Plan that runs exactly those rows; None for an empty table.
    A restyle is named by its preset's title or key; each refusal names its row."""
    names = style_names or {}
    by_title = {title.lower(): key for key, title in names.items()} | {key.lower(): key for key in names}
    runs = []
    for number, row in enumerate(rows or [], start=1):
        model, restyle, offset, why = (list(row) + ["", "", 0, ""])[:4]
        model, restyle = str(model or "").strip(), str(restyle or "").strip()
        if not model:
            continue
        if model not in installed:
            raise ValueError(f"Plan row {number}: {model} is not installed (installed: {', '.join(installed)}).")
        if restyle and restyle.lower() not in by_title:
            raise ValueError(f"Plan row {number}: no style preset called '{restyle}'.")
        try:
            seed_offset = int(float(offset or 0))
        except (TypeError, ValueError):
            raise ValueError(f"Plan row {number}: the seed offset must be a whole number, not '{offset}'.") from None
        if not 0 <= seed_offset <= 99:
            raise ValueError(f"Plan row {number}: the seed offset must be between 0 and 99.")
        runs.append(Run(model, seed_offset, by_title[restyle.lower()] if restyle else None,
                        str(why or "").strip() or "your edit of the plan"))
    if not runs:
        return None
    if len(runs) > 4:
        raise ValueError(f"A comparison runs 2 to 4 images; the plan has {len(runs)} rows.")
    return Plan("edited", runs, f"Your plan: {len(runs)} run(s).")

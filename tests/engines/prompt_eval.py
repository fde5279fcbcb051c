"""The hand-labelled evaluation set for prompt analysis and the scoring both the test and the bench use."""
from __future__ import annotations

from pathlib import Path

from neurocanvas.engines.prompt_analysis import CATEGORIES

EVAL_FILE = Path(__file__).with_name("prompt_eval.txt")


def load_eval() -> list[dict]:
    rows = []
    for line in EVAL_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        prompt, concept, mood, sentiment, categories = [p.strip() for p in line.split("|")]
        rows.append({"prompt": prompt, "concept": concept, "mood": mood, "sentiment": sentiment,
                     "categories": set(filter(None, categories.split(",")))})
    return rows


def evaluate(analyzer, rows: list[dict]) -> dict:
    """Per-field accuracy, and precision/recall of keyword categories (is any keyword found in category C?)."""
    hits = {"concept": 0, "concept_top2": 0, "mood": 0, "sentiment": 0}
    tp = {c: 0 for c in CATEGORIES}
    fp = dict(tp)
    fn = dict(tp)
    misses = []
    for row in rows:
        a = analyzer.analyze(row["prompt"])
        concepts = [c for c, _ in a.concepts]
        hits["concept"] += bool(concepts) and concepts[0] == row["concept"]
        hits["concept_top2"] += row["concept"] in concepts[:2]
        hits["mood"] += a.mood == row["mood"]
        hits["sentiment"] += a.sentiment["label"] == row["sentiment"]
        found = {c for c in CATEGORIES if a.keywords[c]}
        for c in CATEGORIES:
            tp[c] += c in found and c in row["categories"]
            fp[c] += c in found and c not in row["categories"]
            fn[c] += c not in found and c in row["categories"]
        if (concepts[:1] != [row["concept"]]) or a.mood != row["mood"] or a.sentiment["label"] != row["sentiment"]:
            misses.append((row["prompt"], concepts[:2], a.mood, a.sentiment["label"], row))
    n = len(rows)
    result = {k: v / n for k, v in hits.items()}
    result["categories"] = {c: {"precision": tp[c] / max(tp[c] + fp[c], 1), "recall": tp[c] / max(tp[c] + fn[c], 1)}
                            for c in CATEGORIES}
    result["n"] = n
    result["misses"] = misses
    return result

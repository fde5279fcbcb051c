"""How often prompt analysis agrees with people: concept, mood and sentiment on the labelled set's test split.

    python -m bench.eval_prompts          # (make eval) accuracy, per-label precision and recall, confusion matrices
    python -m bench.eval_prompts --train  # refit presets/prompt_classifier.npz on the train split first
    python -m bench.eval_prompts --rules  # the lexicon's rules alone, for comparison
    python -m bench.eval_prompts --on train  # the same figures on the train split (for tuning the lexicon)

An answer counts when it is among the prompt's acceptable labels. Precision of a label: of the prompts given it,
the share where it was acceptable; recall: of the prompts whose first label it is, the share answered acceptably.
The confusion matrix's rows are the first label, its columns the answer (an acceptable answer counts on the diagonal).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "prompts_labelled.jsonl"
HEADS = ("concept", "mood", "sentiment")


def load(split: str | None = None) -> list[dict]:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split is None or r["split"] == split]


def train(analyzer, rows: list[dict]):
    """Fit each head on the rows' evidence and acceptable labels (the analyser must be built without a classifier)."""
    return fit_heads([analyzer.evidence(row["prompt"]) for row in rows], rows, labels_of(analyzer))


def labels_of(analyzer) -> dict[str, list[str]]:
    from neurocanvas.engines.prompt_analysis import SENTIMENTS

    return {"concept": list(analyzer.concepts), "mood": list(analyzer.moods), "sentiment": list(SENTIMENTS)}


def fit_heads(evidence: list[dict], rows: list[dict], labels: dict[str, list[str]]):
    """The classifier for these rows' evidence (`PromptAnalyzer.evidence`): one calibrated head per label set."""
    import numpy as np

    from neurocanvas.engines.prompt_classifier import PromptClassifier, fit_calibrated

    vectors = np.stack([e["vector"] for e in evidence]).astype(np.float16).astype(np.float32)  # as shipped
    heads = {}
    for head, names in labels.items():
        features = np.stack([e[head] for e in evidence])
        acceptable = np.array([[name in row[head + "s"] for name in names] for row in rows], dtype=float)
        heads[head] = fit_calibrated(features, acceptable, names, vectors)
    return PromptClassifier(heads, vectors)


def answers(analysis) -> dict[str, tuple[str, float]]:
    """Each head's answer and the score it came with."""
    return {"concept": analysis.concepts[0] if analysis.concepts else ("", 0.0), "mood": analysis.mood_scores[0],
            "sentiment": (analysis.sentiment["label"], analysis.sentiment["confidence"])}


def calibration_error(pairs: list[tuple[float, bool]], bins: int = 5) -> float:
    """Expected calibration error: |mean score - accuracy| per score bin, weighted by the bin's share."""
    total = 0.0
    for b in range(bins):
        inside = [(p, ok) for p, ok in pairs if b / bins <= p < (b + 1) / bins or (b == bins - 1 and p == 1)]
        if inside:
            total += len(inside) * abs(sum(p for p, _ in inside) / len(inside) - sum(ok for _, ok in inside) / len(inside))
    return total / max(len(pairs), 1)


def score(analyzer, rows: list[dict]) -> dict:
    """Per head: accuracy, per-label precision and recall, confusion counts; keyword recall per category."""
    from neurocanvas.engines.prompt_analysis import CATEGORIES

    results = {h: {"hits": 0, "given": {}, "given_ok": {}, "first": {}, "first_ok": {}, "confusion": {}} for h in HEADS}
    found = {c: [0, 0, 0] for c in CATEGORIES}  # category -> [labelled and found, labelled, found]
    for row in rows:
        analysis = analyzer.analyze(row["prompt"])
        for head, (answer, confidence) in answers(analysis).items():
            acceptable, first, r = row[head + "s"], row[head + "s"][0], results[head]
            ok = answer in acceptable
            r.setdefault("scored", []).append((float(confidence), ok))
            r["hits"] += ok
            r["given"][answer] = r["given"].get(answer, 0) + 1
            r["given_ok"][answer] = r["given_ok"].get(answer, 0) + ok
            r["first"][first] = r["first"].get(first, 0) + 1
            r["first_ok"][first] = r["first_ok"].get(first, 0) + ok
            cell = (first, first if ok else answer)
            r["confusion"][cell] = r["confusion"].get(cell, 0) + 1
        for category in CATEGORIES:
            labelled, named = category in row["categories"], bool(analysis.keywords[category])
            found[category][0] += labelled and named
            found[category][1] += labelled
            found[category][2] += named
    for r in results.values():
        r["accuracy"] = r["hits"] / max(len(rows), 1)
        r["calibration_error"] = calibration_error(r.pop("scored", []))
    results["keyword_recall"] = {c: hit / total for c, (hit, total, _) in found.items() if total}
    results["keyword_precision"] = {c: hit / named for c, (hit, _, named) in found.items() if named}
    results["n"] = len(rows)
    return results


def report(results: dict, labels: dict[str, list[str]], split: str = "test") -> str:
    lines = [f"{split.capitalize()} split: {results['n']} prompts (tests/data/prompts_labelled.jsonl)", ""]
    for head in HEADS:
        r = results[head]
        lines.append(f"## {head}: {r['accuracy']:.1%} ({r['hits']}/{results['n']}); "
                     f"calibration error {r['calibration_error']:.3f}")
        lines.append(f"{'label':<14}{'precision':>10}{'recall':>8}{'given':>7}{'first':>7}")
        for label in labels[head]:
            given, first = r["given"].get(label, 0), r["first"].get(label, 0)
            precision = f"{r['given_ok'].get(label, 0) / given:.2f}" if given else "-"
            recall = f"{r['first_ok'].get(label, 0) / first:.2f}" if first else "-"
            lines.append(f"{label:<14}{precision:>10}{recall:>8}{given:>7}{first:>7}")
        short = [label[:5] for label in labels[head]]
        lines.append("confusion (rows: first label, columns: answer)")
        lines.append(" " * 14 + "".join(f"{s:>6}" for s in short))
        for label in labels[head]:
            counts = [r["confusion"].get((label, answer), 0) for answer in labels[head]]
            lines.append(f"{label:<14}" + "".join(f"{c if c else '.':>6}" for c in counts))
        lines.append("")
    lines.append("keyword recall: " + ", ".join(f"{c} {v:.0%}" for c, v in results["keyword_recall"].items()))
    lines.append("keyword precision: " + ", ".join(f"{c} {v:.0%}" for c, v in results["keyword_precision"].items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import neurocanvas  # noqa: F401  (thread defaults before torch)
    from neurocanvas.engines.prompt_analysis import SENTIMENTS
    from neurocanvas.handlers.prompt_lab import CLASSIFIER_FILE, build_analyzer, load_lexicon
    from neurocanvas.registry import Registry, load_catalog

    parser = argparse.ArgumentParser(prog="bench.eval_prompts")
    parser.add_argument("--train", action="store_true", help="refit the shipped classifier on the train split first")
    parser.add_argument("--rules", action="store_true", help="score the lexicon's rules alone (no classifier)")
    parser.add_argument("--on", choices=("test", "train"), default="test", help="the split to score (figures: test)")
    args = parser.parse_args(argv)
    registry = Registry(load_catalog(), ROOT / "models", threads=2)
    lexicon = load_lexicon()
    if args.train:
        train(build_analyzer(registry, lexicon, classifier=False), load("train")).save(CLASSIFIER_FILE)
    analyzer = build_analyzer(registry, lexicon, classifier=not args.rules)
    labels = {"concept": list(lexicon["concepts"]), "mood": list(lexicon["moods"]), "sentiment": list(SENTIMENTS)}
    print(report(score(analyzer, load(args.on)), labels, args.on))
    return 0


if __name__ == "__main__":
    sys.exit(main())

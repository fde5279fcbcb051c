"""Run every benchmark section, print one table, write bench/results.json.

    python -m bench            # full runs
    python -m bench --smoke    # one tiny iteration of each section (what the test suite runs)
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import neurocanvas  # noqa: F401  (thread and environment defaults before torch)
from neurocanvas.cpu import describe as describe_cpu
from bench import (bench_app, bench_bandits, bench_budget, bench_director, bench_jobs, bench_openvino, bench_prompt_lab,
                   bench_ranking, bench_style_quality, bench_style_transfer, bench_text_to_image)

SECTIONS = {"app": bench_app.run, "prompt_lab": bench_prompt_lab.run, "text_to_image": bench_text_to_image.run,
            "openvino": bench_openvino.run,
            "director": bench_director.run, "style_transfer": bench_style_transfer.run,
            "style_quality": bench_style_quality.run, "ranking": bench_ranking.run,
            "bandits": bench_bandits.run, "jobs": bench_jobs.run, "budget": bench_budget.run}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--smoke", action="store_true", help="one tiny iteration per section")
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results.json")
    args = parser.parse_args(argv)
    records = []
    for name in args.only or SECTIONS:
        kwargs = {"runs": 1, "calls": 2, "smoke": True} if args.smoke else {}  # every section takes these
        for r in SECTIONS[name](**kwargs):
            records.append({"section": name, **r.as_dict()})
    cpu = describe_cpu()
    print(f"CPU: {cpu['model']} ({cpu['cores']} cores, {cpu['kind']}; native bfloat16: {'yes' if cpu['native_bfloat16'] else 'no'})")
    print(f"{'measurement':<52} {'median':>10} {'unit':<4} {'runs':>4}  ratio")
    for r in records:
        ratio = f"{r['ratio']:.2f}x vs {r['baseline']}" if r["ratio"] else ""
        print(f"{r['name']:<52} {r['median']:>10.3f} {r['unit']:<4} {r['runs']:>4}  {ratio}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": platform.processor() or platform.machine(), "cpu": cpu,
                                    "python": sys.version.split()[0],
                                    "when": time.strftime("%Y-%m-%dT%H:%M:%S"), "smoke": args.smoke,
                                    "results": records}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

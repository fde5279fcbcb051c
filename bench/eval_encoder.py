"""Would another sentence encoder make prompt analysis agree with people more often, and what would it cost per
prompt? MiniLM (the encoder that ships inside a package) leaves sentiment near 87 % on the test split; this measures
any other sentence-transformers folder against it, in the same run, on this machine.

    python -m bench.eval_encoder DIR          # DIR: a sentence-transformers folder (all-mpnet-base-v2, say)
    python -m bench.eval_encoder DIR --onnx   # also time DIR exported to ONNX Runtime

The three heads are fitted in memory on the train split (the shipped classifier is left alone) with DIR's prompt
vector in place of MiniLM's, beside the same lexicon and VADER evidence, and scored on the test split; MiniLM is
fitted and scored the same way. Then one prompt at a time is embedded by each encoder and timed.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np

from bench.eval_prompts import HEADS, ROOT, fit_heads, labels_of, load


def with_vectors(evidence: list[dict], vectors: np.ndarray) -> list[dict]:
    """Every head's features lead with the prompt's vector (`PromptAnalyzer.evidence`): swap in another encoder's."""
    size = len(evidence[0]["vector"])
    return [{**e, "vector": v, **{h: np.concatenate([v, e[h][size:]]) for h in HEADS}}
            for e, v in zip(evidence, vectors)]


def accuracy(classifier, evidence: list[dict], rows: list[dict]) -> dict[str, float]:
    """Per head, the share of rows whose top answer is among their acceptable labels."""
    hits = dict.fromkeys(HEADS, 0)
    for e, row in zip(evidence, rows):
        ranked = classifier.ranked(e, e["vector"])  # as the analysis calls it
        for head in HEADS:
            hits[head] += ranked[head][0][0] in row[head + "s"]
    return {head: hits[head] / len(rows) for head in HEADS}


def compare(analyzer, encode: Callable[[list[str]], np.ndarray]) -> dict[str, dict[str, float]]:
    """Test-split accuracy per head with the analyser's own prompt vector ("minilm") and with `encode`'s ("other")."""
    splits = {"train": load("train"), "test": load("test")}
    evidence = {name: [analyzer.evidence(r["prompt"]) for r in rows] for name, rows in splits.items()}
    swapped = {name: with_vectors(evidence[name], encode([r["prompt"] for r in rows])) for name, rows in splits.items()}
    labels = labels_of(analyzer)
    return {key: accuracy(fit_heads(ev["train"], splits["train"], labels), ev["test"], splits["test"])
            for key, ev in (("minilm", evidence), ("other", swapped))}


def timing(encode_one: Callable[[str], object], prompts: list[str]) -> tuple[float, float]:
    """Median and p95 milliseconds to embed one prompt, after ten warm-up calls."""
    for prompt in prompts[:10]:
        encode_one(prompt)
    times = []
    for prompt in prompts:
        start = time.perf_counter()
        encode_one(prompt)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), float(np.percentile(times, 95))


def onnx_encoder(model, folder: Path) -> Callable[[str], np.ndarray]:
    """The sentence-transformers model's transformer exported to ONNX (fp32) and run by ONNX Runtime, mean-pooled."""
    import onnxruntime
    import torch

    class Tokens(torch.nn.Module):  # named inputs: models differ in the order of their forward's arguments
        def __init__(self, transformer: torch.nn.Module) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.transformer(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    tokenizer = model.tokenizer
    sample = tokenizer(["a misty pine forest at dawn"], return_tensors="pt")
    path = folder / "encoder.onnx"
    torch.onnx.export(Tokens(model[0].auto_model.eval()), (sample["input_ids"], sample["attention_mask"]), str(path),
                      input_names=["input_ids", "attention_mask"], output_names=["tokens"], opset_version=17,
                      dynamic_axes={n: {0: "batch", 1: "length"} for n in ("input_ids", "attention_mask", "tokens")},
                      dynamo=False)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # as the studio's own sessions
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def encode(prompt: str) -> np.ndarray:
        batch = tokenizer([prompt], return_tensors="np")
        tokens = session.run(None, {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"]})[0]
        vector = tokens[0].mean(axis=0)
        return vector / np.linalg.norm(vector)
    return encode


def main(argv: list[str] | None = None) -> int:
    import neurocanvas  # noqa: F401  (thread defaults before torch)
    from sentence_transformers import SentenceTransformer

    from neurocanvas.handlers.prompt_lab import build_analyzer, load_lexicon, sentence_embedder
    from neurocanvas.registry import Registry, load_catalog

    parser = argparse.ArgumentParser(prog="bench.eval_encoder")
    parser.add_argument("folder", type=Path, help="a sentence-transformers model folder")
    parser.add_argument("--onnx", action="store_true", help="also time the encoder exported to ONNX Runtime")
    args = parser.parse_args(argv)
    registry = Registry(load_catalog(), ROOT / "models", threads=2)
    analyzer = build_analyzer(registry, load_lexicon(), classifier=False)
    model = SentenceTransformer(str(args.folder), device="cpu", local_files_only=True)
    encode = sentence_embedder(model)
    results = compare(analyzer, encode)
    print(f"test split, {len(load('test'))} prompts: top answer acceptable")
    print(f"{'':<10}" + "".join(f"{h:>11}" for h in HEADS))
    for name, label in (("minilm", "MiniLM"), ("other", args.folder.name[:10])):
        print(f"{label:<10}" + "".join(f"{results[name][h]:>11.1%}" for h in HEADS))
    prompts = [r["prompt"] for r in load("test")]
    for name, model_ in (("MiniLM", registry.get("minilm")), (args.folder.name, model)):
        embed = sentence_embedder(model_)
        torch_one = lambda p, embed=embed: embed([p])  # noqa: E731
        print(f"one prompt, {name}: torch median %.1f ms, p95 %.1f ms" % timing(torch_one, prompts))
        if args.onnx:
            with tempfile.TemporaryDirectory() as folder:
                fast = onnx_encoder(model_, Path(folder))
                agreement = min(float(fast(p) @ torch_one(p)[0]) for p in prompts)
                print(f"one prompt, {name}: ONNX Runtime median %.1f ms, p95 %.1f ms" % timing(fast, prompts)
                      + f" (cosine to torch's vectors: at least {agreement:.4f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Art director speed on a random-weight GGUF with Llama 3.2 1B's shape (2048 wide, 16 layers, 32/8 heads,
8192 FF, 128,256-token vocabulary, tied embeddings) at Q4_K_M, 2 threads: prompt processing and generation
tokens/s, time to first token for a new conversation and for a follow-up turn (the cached prefix is reused),
and generation while a diffusion UNet runs beside it (the image-generation case)."""
from __future__ import annotations

import ctypes
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.common import Result

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("NEUROCANVAS_BENCH_CACHE", Path.home() / ".cache" / "neurocanvas" / "bench"))
LLAMA_1B = dict(n_embd=2048, n_layer=16, n_head=32, n_head_kv=8, n_ff=8192, n_vocab=128256, n_ctx=4096)
SMOKE = dict(n_embd=256, n_layer=2, n_head=8, n_head_kv=4, n_ff=512, n_vocab=2048, n_ctx=2048)
BUSY_TORCH = """
import sys, time; sys.path.insert(0, {root!r})
import neurocanvas, torch, diffusers
from bench.bench_text_to_image import UNET_SD2
torch.set_num_threads(2)
unet = diffusers.UNet2DConditionModel(**UNET_SD2).eval()
x, h = torch.randn(1, 4, 32, 32), torch.randn(1, 77, 1024)
print("ready", flush=True)
with torch.inference_mode():
    while True:
        unet(x, 500, encoder_hidden_states=h)
"""


def model_file(smoke: bool) -> Path:
    """Build (once) and quantise the random model; cached between runs (about 2.5 GB at f16 while building)."""
    import llama_cpp

    from tests.fixtures import build_tiny_gguf

    shape = SMOKE if smoke else LLAMA_1B
    quantized = CACHE / ("smoke-q8_0.gguf" if smoke else "llama32-1b-shape-q4_k_m.gguf")
    if quantized.exists():
        return quantized
    CACHE.mkdir(parents=True, exist_ok=True)
    f16 = CACHE / "build-f16.gguf"
    build_tiny_gguf(f16, f16=True, tied=not smoke, **shape)
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q8_0 if smoke else llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_K_M
    params.nthread = 2
    if llama_cpp.llama_model_quantize(str(f16).encode(), str(quantized).encode(), ctypes.byref(params)) != 0:
        raise RuntimeError("quantisation failed")
    f16.unlink()
    return quantized


def _tokens(n: int, vocab: int) -> list[int]:
    return [300 + (i * 7919) % (vocab - 400) for i in range(n)]


def run(runs: int = 3, calls: int = 64, smoke: bool = False) -> list[Result]:
    import llama_cpp

    path = model_file(smoke)
    llm = llama_cpp.Llama(model_path=str(path), n_ctx=2048, n_threads=2, verbose=False)
    vocab = llm.n_vocab()
    generate = 8 if smoke else calls

    def prompt_eval(n: int) -> float:
        llm.reset()
        started = time.perf_counter()
        llm.eval(_tokens(n, vocab))
        return time.perf_counter() - started

    def generation_speed() -> float:
        llm.reset()
        llm.eval(_tokens(128, vocab))
        started = time.perf_counter()
        for token in _tokens(generate, vocab):
            llm.eval([token])
        return generate / (time.perf_counter() - started)

    prompt = 64 if smoke else 512
    pp = [prompt / prompt_eval(prompt) for _ in range(runs)]
    tg = [generation_speed() for _ in range(runs)]
    new_turn, follow_up = [], []
    for _ in range(runs):  # a new conversation reads its whole prompt; a follow-up reads only the new turn
        new_turn.append(prompt_eval(200 if not smoke else 40) + 1 / statistics.median(tg))
        started = time.perf_counter()
        llm.eval(_tokens(40 if not smoke else 8, vocab))
        follow_up.append(time.perf_counter() - started + 1 / statistics.median(tg))
    results = [Result("director 1B Q4_K_M: prompt processing", "tok/s", statistics.median(pp), runs),
               Result("director 1B Q4_K_M: generation", "tok/s", statistics.median(tg), runs),
               Result("director 1B Q4_K_M: first token, new conversation (200-token prompt)", "s",
                      statistics.median(new_turn), runs),
               Result("director 1B Q4_K_M: first token, follow-up turn (40 new tokens, prefix cached)", "s",
                      statistics.median(follow_up), runs)]
    if smoke:
        return results
    busy = subprocess.Popen([sys.executable, "-c", BUSY_TORCH.format(root=str(ROOT))], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")})
    try:
        busy.stdout.readline()  # the UNet is built and running
        time.sleep(2)
        contended = [generation_speed() for _ in range(runs)]
    finally:
        busy.kill()
    alone = results[1].median
    results.append(Result("director 1B Q4_K_M: generation while a UNet runs beside it", "tok/s",
                          statistics.median(contended), runs, baseline=results[1].name,
                          ratio=statistics.median(contended) / alone))
    return results

"""Text to image at 512x512 on random-weight models with the real models' layer sizes (compute time does not
depend on weight values). Each model runs in its own process, through the studio's TextToImage engine, so
peak memory is per model. The seed's baseline (SD 2.1-base, 25 steps with CFG, full VAE) takes ~5 minutes
per image here, so it is composed from measured parts: text encoding + 25 x one CFG UNet step + VAE decode.
"""
from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
from pathlib import Path

from bench.common import Result, timed

ROOT = Path(__file__).resolve().parent.parent

UNET_SD2 = dict(sample_size=64, in_channels=4, out_channels=4, layers_per_block=2, block_out_channels=(320, 640, 1280, 1280),
                down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
                up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3,
                cross_attention_dim=1024, attention_head_dim=(5, 10, 20, 20), use_linear_projection=True)
UNET_SD15 = {**UNET_SD2, "cross_attention_dim": 768, "attention_head_dim": 8, "use_linear_projection": False}
# SDXS-512's own config could not be read here (no hub access); this is BK-SDM-Tiny's published layout
# (one block per stage, no mid block), the closest documented relative. An approximation, labelled so.
UNET_SDXS_APPROX = {**UNET_SD2, "layers_per_block": 1, "mid_block_type": None}
TEXT_OPENCLIP_H = dict(vocab_size=49408, hidden_size=1024, intermediate_size=4096, num_hidden_layers=23,
                       num_attention_heads=16, max_position_embeddings=77, hidden_act="gelu", projection_dim=512)
TEXT_CLIP_L = dict(vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
                   num_attention_heads=12, max_position_embeddings=77, hidden_act="quick_gelu", projection_dim=768)
VAE_SD = dict(in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(128, 256, 512, 512), layers_per_block=2,
              down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4, sample_size=512)

MODELS = {  # name: (unet config, text config, pipeline, scheduler, steps, guidance, size)
    "sd-turbo": (UNET_SD2, TEXT_OPENCLIP_H, "StableDiffusionPipeline", "EulerDiscreteScheduler", 1, 0.0, 512),
    "sd-turbo-256": (UNET_SD2, TEXT_OPENCLIP_H, "StableDiffusionPipeline", "EulerDiscreteScheduler", 1, 0.0, 256),
    "lcm-dreamshaper-v7": ({**UNET_SD15, "time_cond_proj_dim": 256}, TEXT_CLIP_L, "LatentConsistencyModelPipeline",
                           "LCMScheduler", 4, 1.5, 512),
    "sdxs-512 (approx. UNet)": (UNET_SDXS_APPROX, TEXT_OPENCLIP_H, "StableDiffusionPipeline", "EulerDiscreteScheduler",
                                1, 0.0, 512),
}


def _pipeline(unet_cfg: dict, text_cfg: dict, pipeline: str, scheduler: str, full_vae: bool):
    import diffusers
    import torch
    from transformers import CLIPTextConfig, CLIPTextModel

    from tests.fixtures import build_clip_tokenizer

    torch.manual_seed(0)
    tokenizer = build_clip_tokenizer(Path("/tmp/neurocanvas-bench-tokenizer"))
    components = dict(unet=diffusers.UNet2DConditionModel(**unet_cfg).eval(),
                      text_encoder=CLIPTextModel(CLIPTextConfig(**text_cfg)).eval(), tokenizer=tokenizer,
                      vae=(diffusers.AutoencoderKL(**VAE_SD) if full_vae else diffusers.AutoencoderTiny()).eval(),
                      scheduler=getattr(diffusers, scheduler)(beta_schedule="scaled_linear", beta_start=0.00085,
                                                              beta_end=0.012, steps_offset=1),
                      safety_checker=None, feature_extractor=None)
    cls = getattr(diffusers, pipeline)
    pipe = cls(**components, requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def worker(name: str, runs: int, size_override: int = 0) -> dict:
    """Runs in a child process: build the model, time the engine end to end, report peak RSS."""
    import torch

    import neurocanvas  # noqa: F401
    from neurocanvas.engines.text_to_image import Request, TextToImage

    torch.set_num_threads(2)
    unet_cfg, text_cfg, pipeline, scheduler, steps, guidance, size = MODELS[name]
    size = size_override or size
    pipe = _pipeline(unet_cfg, text_cfg, pipeline, scheduler, full_vae=False)
    engine = TextToImage(pipe)  # pipe's own VAE is already the tiny one
    request = Request(prompt="a lighthouse on a cliff at dusk, oil painting", num_inference_steps=steps,
                      guidance_scale=guidance, width=size, height=size, seed=1, tiny_vae=False)
    times = timed(lambda: engine(request), runs)  # one warm-up run first
    return {"times": times, "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2}


def baseline_worker(runs: int, size: int = 512) -> dict:
    """SD 2.1-base, 25 steps with CFG (batch 2 through the UNet), full VAE decode: each part timed."""
    import torch

    torch.set_num_threads(2)
    pipe = _pipeline(UNET_SD2, TEXT_OPENCLIP_H, "StableDiffusionPipeline", "EulerDiscreteScheduler", full_vae=True)
    ids = pipe.tokenizer(["a lighthouse"] * 2, padding="max_length", max_length=77, return_tensors="pt").input_ids
    latents = torch.randn(2, 4, size // 8, size // 8)
    with torch.inference_mode():
        text = lambda: pipe.text_encoder(ids)[0]  # noqa: E731
        hidden = text()
        step = lambda: pipe.unet(latents, 500, encoder_hidden_states=hidden)  # noqa: E731
        decode = lambda: pipe.vae.decode(latents[:1] / pipe.vae.config.scaling_factor)  # noqa: E731
        parts = {part: statistics.median(timed(fn, runs)) for part, fn in
                 (("text", text), ("step", step), ("decode", decode))}
    return {"parts": parts, "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2}


def _child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.bench_text_to_image", *args], capture_output=True, text=True,
                         cwd=ROOT)
    if out.returncode != 0:  # say why: the child's own error, not only its exit status
        raise RuntimeError(f"bench.bench_text_to_image {' '.join(args)} exited {out.returncode}:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(runs: int = 3, calls: int = 0, smoke: bool = False) -> list[Result]:
    """smoke: one model at 64 px, to prove the section runs (the figures mean nothing)."""
    results = []
    size = "64" if smoke else "0"
    if smoke:  # the two children at once: their figures mean nothing here, and the suite's test stays short
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(2) as pool:
            base_job = pool.submit(_child, ["baseline", "1", size])
            turbo_job = pool.submit(_child, ["model", "sd-turbo", str(runs), size])
            base, ready = base_job.result(), {"sd-turbo": turbo_job.result()}
    else:
        base, ready = _child(["baseline", str(max(runs - 1, 1)), "512"]), {}
    p = base["parts"]
    baseline_s = p["text"] + 25 * p["step"] + p["decode"]
    results += [Result("t2i baseline: SD 2.1-base 25 steps CFG + full VAE (composed)", "s", baseline_s, max(runs - 1, 1)),
                Result("t2i part: SD2 UNet step with CFG (batch 2)", "s", p["step"], max(runs - 1, 1)),
                Result("t2i part: full SD VAE decode", "s", p["decode"], max(runs - 1, 1)),
                Result("t2i baseline peak RSS", "GB", base["peak_rss_gb"], 1)]
    for name in (["sd-turbo"] if smoke else MODELS):
        measured = ready.get(name) or _child(["model", name, str(runs), size])
        results.append(Result(f"t2i {name}: end to end, 1 image", "s", statistics.median(measured["times"]), runs))
        results.append(Result(f"t2i {name}: peak RSS", "GB", measured["peak_rss_gb"], 1))
    for r in results:
        if r.name.startswith("t2i ") and r.name.endswith("1 image"):
            r.baseline, r.ratio = results[0].name, baseline_s / r.median
    return results


if __name__ == "__main__":
    kind = sys.argv[1]
    if kind == "baseline":
        answer = baseline_worker(int(sys.argv[2]), int(sys.argv[3]))
    else:
        answer = worker(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    print(json.dumps(answer))

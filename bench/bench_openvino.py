"""The UNet's backend, side by side in one run: PyTorch (and its own speed options) vs OpenVINO fp32 and int8.

Random weights at the real layer sizes (SD-Turbo's SD 2.x UNet; the SDXS stand-in of bench_text_to_image),
each component seeded on its own so every child process builds the same text encoder, tiny VAE and UNet:
the images of two backends can then be compared pixel by pixel. The UNet is exported with the studio's own
`engines.openvino_unet.convert` and loaded with `backends.load_unet`, as a pulled model is. Each backend
renders in its own process, so its peak memory is its own.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.bench_text_to_image import TEXT_OPENCLIP_H, UNET_SD2, UNET_SDXS_APPROX
from bench.common import Result

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(os.environ.get("NEUROCANVAS_BENCH_DIR", "/tmp/neurocanvas-bench-openvino"))
UNET_SMOKE = dict(sample_size=8, in_channels=4, out_channels=4, layers_per_block=1, block_out_channels=(32, 64),
                  down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
                  up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=64, attention_head_dim=8)
TEXT_SMOKE = {**TEXT_OPENCLIP_H, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
              "num_attention_heads": 4}
MODELS = {"sd-turbo": (UNET_SD2, TEXT_OPENCLIP_H), "sdxs-512 (approx. UNet)": (UNET_SDXS_APPROX, TEXT_OPENCLIP_H),
          "smoke": (UNET_SMOKE, TEXT_SMOKE)}
TORCH_OPTIONS = ("channels-last", "classic attention (no SDPA)", "no mkldnn", "threads pinned",
                 "dynamic int8 linears", "torch.compile")
PROMPT = "a lighthouse on a cliff at dusk, oil painting"
# NEUROCANVAS_BENCH_ISA=avx2 caps every library at AVX2 (most users' laptops) on an AVX-512 machine: PyTorch's own
# kernels, oneDNN (PyTorch's and OpenVINO's fork both read ONEDNN_MAX_CPU_ISA) and MKL. Same cores, same clock, so
# it isolates the instruction set; it is not a real AVX2 CPU (whose caches and clocks differ).
ISA_CAPS = {"avx2": {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_ENABLE_INSTRUCTIONS": "AVX2"}}


def _unet(name: str):
    import diffusers
    import torch

    torch.manual_seed(3)
    return diffusers.UNet2DConditionModel(**MODELS[name][0]).eval()


def _pipeline(name: str, unet):
    """SD-Turbo's pipeline around the given UNet (PyTorch or the OpenVINO stand-in), text encoder and TAESD seeded."""
    import diffusers
    import torch
    from transformers import CLIPTextConfig, CLIPTextModel

    from tests.fixtures import build_clip_tokenizer

    tokenizer = build_clip_tokenizer(WORK / "tokenizer")
    torch.manual_seed(1)
    text = CLIPTextModel(CLIPTextConfig(**MODELS[name][1])).eval()
    torch.manual_seed(2)
    vae = diffusers.AutoencoderTiny().eval()
    scheduler = diffusers.EulerDiscreteScheduler(beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012,
                                                 steps_offset=1)
    pipe = diffusers.StableDiffusionPipeline(unet=unet, text_encoder=text, tokenizer=tokenizer, vae=vae,
                                             scheduler=scheduler, safety_checker=None, feature_extractor=None,
                                             requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def export_worker(name: str) -> dict:
    """Export fp32 and int8 IR into WORK/<name>/, as backends.export lays them out; seconds and peak RSS each."""
    import openvino as ov

    from neurocanvas.engines import openvino_unet

    folder = WORK / name.split()[0]
    shutil.rmtree(folder, ignore_errors=True)
    unet = _unet(name)
    unet.save_config(str(folder / "unet"))
    figures = {}
    for backend, int8 in (("openvino", False), ("openvino-int8", True)):
        started = time.perf_counter()
        model = openvino_unet.convert(unet, int8=int8)
        ov.save_model(model, str(folder / backend / "unet.xml"), compress_to_fp16=False)
        del model
        figures[backend] = {"seconds": time.perf_counter() - started,
                            "mb": sum(f.stat().st_size for f in (folder / backend).iterdir()) / 1e6}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # before the error check compiles both
    return {"export": figures, "peak_rss_gb": peak, "unet_error": _unet_error(unet, folder)}


def _unet_error(unet, folder: Path) -> dict:
    """One noise prediction at the model's native latent size: each export's relative L2 error against PyTorch
    (the quality figure for int8 that random weights allow: their decoded pictures are flat)."""
    import torch

    from neurocanvas.engines import openvino_unet

    torch.manual_seed(4)
    side, width = unet.config.sample_size, unet.config.cross_attention_dim
    sample, text = torch.randn(1, 4, side, side), torch.randn(1, 77, width)
    with torch.no_grad():
        expected = unet(sample, torch.tensor(999.0), text).sample
    errors = {}
    for backend in ("openvino", "openvino-int8"):
        compiled = openvino_unet.compile_model(str(folder / backend / "unet.xml"), threads=2)
        try:
            got = openvino_unet.OpenVINOUNet(compiled, unet.config)(sample, torch.tensor(999.0), text)[0]
        except RuntimeError as exc:  # no kernel for it on this CPU (int8 weights under the AVX2 cap)
            print(f"{backend} cannot run here: {str(exc).strip().splitlines()[-1][:200]}", file=sys.stderr)
            continue
        errors[backend] = float((got - expected).norm() / expected.norm())
    return errors


def render_worker(name: str, backend: str, sizes: list[int], runs: int) -> dict:
    """Time TextToImage end to end (1 step + TAESD) on one backend; the first image of each size kept as PNG."""
    import torch

    from neurocanvas import backends
    from neurocanvas.engines.text_to_image import Request, TextToImage

    torch.set_num_threads(2)
    folder = WORK / name.split()[0]
    if backend.startswith("openvino"):
        unet = backends.load_unet(folder, backend, threads=2)
    else:
        unet = _torch_option(_unet(name), backend)
    engine = TextToImage(_pipeline(name, unet))
    times, compile_s = {}, {}
    for size in sizes:
        request = Request(prompt=PROMPT, width=size, height=size, seed=1, tiny_vae=False)
        previews = []
        started = time.perf_counter()
        engine(request, progress=lambda index, step, total, preview: previews.append(preview))  # warm-up
        compile_s[size] = time.perf_counter() - started  # torch.compile compiles here
        # compared: the final latents as RGB (random weights make TAESD's picture flat, so it would hide a change)
        previews[-1].save(folder / f"{backend}-{size}.png")
        times[size] = []
        for _ in range(runs):
            started = time.perf_counter()
            engine(request)
            times[size].append(time.perf_counter() - started)
    return {"times": times, "first_s": compile_s, "isa": _isa(unet),
            "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2}


def _isa(unet) -> str:
    """The instruction set the UNet's convolutions really ran with: OpenVINO's primitive names, torch's capability."""
    import torch

    compiled = getattr(unet, "compiled", None)
    if compiled is None:
        return torch.backends.cpu.get_cpu_capability()
    info = [op.get_rt_info() for op in compiled.get_runtime_model().get_ops()]
    kinds = {rt["primitiveType"].astype(str) for rt in info if rt["layerType"].astype(str) == "Convolution"}
    return ",".join(sorted(kinds))


def _torch_option(unet, option: str):
    """PyTorch's own speed options, one at a time (issue 18 asks for each gain apart)."""
    import torch

    if option == "channels-last":
        return unet.to(memory_format=torch.channels_last)
    if option == "classic attention (no SDPA)":
        from diffusers.models.attention_processor import AttnProcessor

        unet.set_attn_processor(AttnProcessor())
    elif option == "no mkldnn":
        torch.backends.mkldnn.enabled = False
    elif option == "dynamic int8 linears":
        return torch.ao.quantization.quantize_dynamic(unet, {torch.nn.Linear}, dtype=torch.qint8)
    elif option == "torch.compile":
        unet.compile()  # in place (the CPU inductor): the module keeps the config the pipeline reads
    return unet  # "torch", and "threads pinned" (set in the child's environment)


def _child(args: list[str], env: dict | None = None, module: str = "bench.bench_openvino") -> dict:
    out = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True,
                         cwd=ROOT, env={**os.environ, **(env or {})})
    if out.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} exited {out.returncode}:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _pixel_distance(folder: Path, a: str, b: str, size: int) -> float:
    import numpy as np
    from PIL import Image

    first, second = (np.asarray(Image.open(folder / f"{x}-{size}.png"), dtype=np.float32) for x in (a, b))
    return float(np.abs(first - second).mean())


def run(runs: int = 3, calls: int = 0, smoke: bool = False) -> list[Result]:
    """smoke: a tiny UNet at 64 px through every backend (figures mean nothing; the section is proven to run)."""
    names = ["smoke"] if smoke else ["sd-turbo", "sdxs-512 (approx. UNet)"]
    sizes = [64] if smoke else [512, 256]
    isa = os.environ.get("NEUROCANVAS_BENCH_ISA", "").lower()
    if isa and isa not in ISA_CAPS:
        raise SystemExit(f"NEUROCANVAS_BENCH_ISA={isa}: only {', '.join(ISA_CAPS)} is known")
    cap, tag = ISA_CAPS.get(isa, {}), f" [{isa} cap]" if isa else ""
    results = []
    for name in names:
        folder, label = WORK / name.split()[0], ("tiny UNet" if smoke else name) + tag
        exported = _child(["export", name], cap)
        for backend, figures in exported["export"].items():
            results.append(Result(f"ov {label}: {backend} export", "s", figures["seconds"], 1))
            results.append(Result(f"ov {label}: {backend} IR size", "MB", figures["mb"], 1))
        results.append(Result(f"ov {label}: export peak RSS", "GB", exported["peak_rss_gb"], 1))
        for backend, error in exported["unet_error"].items():
            results.append(Result(f"ov {label}: {backend} UNet output vs torch, relative L2 error", "rel", error, 1))
        options = ["torch", "openvino", "openvino-int8"] + (list(TORCH_OPTIONS) if name == "sd-turbo" and not isa else [])
        for backend in options:
            env = {**cap, **({"OMP_PROC_BIND": "close", "OMP_PLACES": "cores"} if backend == "threads pinned" else {})}
            try:
                measured = _child(["render", name, backend, ",".join(map(str, sizes)), str(runs)], env)
            except RuntimeError as exc:  # an option this machine cannot run (torch.compile without a compiler)
                print(f"{label} {backend}: {str(exc).splitlines()[-1]}", file=sys.stderr)
                continue
            for size in sizes:
                results.append(Result(f"ov {label} {size}px: {backend}, 1 image", "s",
                                      statistics.median(measured["times"][str(size)]), runs))
            if backend == "torch.compile":
                results.append(Result(f"ov {label}: torch.compile first image (compiling)", "s",
                                      measured["first_s"][str(sizes[0])], 1))
            results.append(Result(f"ov {label}: {backend} peak RSS", "GB", measured["peak_rss_gb"], 1))
            print(f"{label} {backend}: convolutions ran as {measured['isa']}", file=sys.stderr)
        for size in sizes:
            base = next(r for r in results if r.name == f"ov {label} {size}px: torch, 1 image")
            for r in results:
                if r.name.startswith(f"ov {label} {size}px: ") and r is not base:
                    r.baseline, r.ratio = base.name, base.median / r.median
            for backend in ("openvino", "openvino-int8"):
                if (folder / f"{backend}-{size}.png").exists():
                    results.append(Result(f"ov {label} {size}px: {backend} vs torch, mean |latent RGB diff|", "/255",
                                          _pixel_distance(folder, backend, "torch", size), 1))
            if (folder / f"openvino-int8-{size}.png").exists():
                results.append(Result(f"ov {label} {size}px: int8 vs fp32 OpenVINO, mean |latent RGB diff|", "/255",
                                      _pixel_distance(folder, "openvino-int8", "openvino", size), 1))
    side = 64 if smoke else 512
    instant = _child([str(side), str(runs)], cap, module="bench.openvino_instant")
    base = Result(f"ov instant style{tag} {side}px: onnxruntime (the studio's)", "s",
                  statistics.median(instant["times"]["onnxruntime"]), runs)
    other = Result(f"ov instant style{tag} {side}px: openvino, same ONNX", "s",
                   statistics.median(instant["times"]["openvino"]), runs, base.name)
    other.ratio = base.median / other.median
    results += [base, other, Result(f"ov instant style{tag} {side}px: openvino vs onnxruntime, mean |RGB diff|",
                                    "/255", instant["diff"], 1)]
    return results


if __name__ == "__main__":
    if sys.argv[1] == "export":
        answer = export_worker(sys.argv[2])
    else:
        answer = render_worker(sys.argv[2], sys.argv[3], [int(s) for s in sys.argv[4].split(",")], int(sys.argv[5]))
    print(json.dumps(answer))

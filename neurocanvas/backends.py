"""Which backend runs a text-to-image model's UNet, and its OpenVINO export: the registry's side of the files.

The export reads the pulled diffusers folder (no download) and writes `models/<id>/openvino/` (fp32) or
`models/<id>/openvino-int8/` (8-bit weights) once; `meta.json` there says what it was made from, so a
re-pulled model's stale export is not used. Any trouble with an export (missing, stale, corrupt, openvino
not installed) leaves the model on PyTorch with a note that says why and how to export it.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import threading
import time
from pathlib import Path
from typing import Any, Callable

from neurocanvas.engines import openvino_unet
from neurocanvas.engines.openvino_unet import FP32, INT8
from neurocanvas.registry import RegistryError

TORCH = "torch"
META = "meta.json"
PIN = "openvino==2026.4.1 nncf==3.4.0"


class BackendError(RegistryError):
    """The export cannot be used or made; the message says why and what to do."""


def folder(model_path: Path, backend: str) -> Path:
    return Path(model_path) / backend  # "openvino" or "openvino-int8"


def export_command(model_id: str, backend: str = FP32) -> str:
    return f"python -m neurocanvas export-openvino {model_id}" + (" --int8" if backend == INT8 else "")


def fingerprint(model_path: Path) -> str:
    """The UNet's config and weight files (names, sizes, times): a re-pulled model no longer matches its export."""
    unet = Path(model_path) / "unet"
    parts = [(unet / "config.json").read_text(encoding="utf-8") if (unet / "config.json").exists() else ""]
    for file in sorted(unet.glob("*.safetensors")) + sorted(unet.glob("*.bin")):
        stat = file.stat()
        parts.append(f"{file.name}:{stat.st_size}:{int(stat.st_mtime)}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def exported(model_path: Path) -> list[str]:
    """The backends whose export exists and matches the model's files."""
    found = []
    for backend in (FP32, INT8):
        meta = folder(model_path, backend) / META
        try:
            if json.loads(meta.read_text(encoding="utf-8")).get("fingerprint") == fingerprint(model_path):
                found.append(backend)
        except (OSError, ValueError):
            continue
    return found


def choose(setting: str, spec: Any, model_path: Path) -> tuple[str, str]:
    """(backend, note): auto takes the fp32 export where there is one; an asked-for backend that cannot run says why."""
    if setting == TORCH or spec.defaults.get("backend") == TORCH:  # the catalog's measured "PyTorch is faster here"
        return TORCH, ""
    wanted = FP32 if setting == "auto" else setting
    ready = exported(model_path)
    if wanted in ready and openvino_unet.available():
        return wanted, ""
    if setting == "auto":
        return TORCH, ""
    if not openvino_unet.available():
        return TORCH, f"OpenVINO is not installed (pip install {PIN}); this image ran on PyTorch."
    return TORCH, (f"{spec.name} has no current {wanted} export: press Export for OpenVINO in Profile > Models or run "
                   f"`{export_command(spec.id, wanted)}`. This image ran on PyTorch.")


def load_unet(model_path: Path, backend: str, threads: int) -> Any:
    """The compiled export as a stand-in for `pipe.unet`; a corrupt one raises BackendError (the caller falls back)."""
    from diffusers.configuration_utils import FrozenDict

    where = folder(model_path, backend)
    try:
        config = json.loads((Path(model_path) / "unet" / "config.json").read_text(encoding="utf-8"))
        compiled = openvino_unet.compile_model(str(where / "unet.xml"), threads)
    except Exception as exc:  # a truncated .bin, a broken .xml, a missing file
        raise BackendError(f"The OpenVINO export in {where} could not be read ({type(exc).__name__}: "
                           f"{str(exc).splitlines()[0][:200] if str(exc) else ''}); this image ran on PyTorch. "
                           f"Export it again: `{export_command(Path(model_path).name, backend)}`.") from exc
    unet = openvino_unet.OpenVINOUNet(compiled, FrozenDict(config), backend)
    try:
        if backend == INT8:  # compressed weights need kernels some CPUs (or ISA caps) lack: fp32 needs no probe
            openvino_unet.probe(unet)
    except Exception as exc:  # a missing kernel shows only at the first inference, not at compile time
        raise BackendError(f"This CPU cannot run the {backend} export of {Path(model_path).name} "
                           f"({str(exc).strip().splitlines()[-1][:160] if str(exc).strip() else 'no kernel'}); "
                           f"this image ran on PyTorch."
                           + (f" The fp32 export may run: `{export_command(Path(model_path).name)}`."
                              if backend == INT8 else "")) from exc
    return unet


def export(model_path: Path, backend: str = FP32, variant: str | None = None,
           progress: Callable[[int, int, str], None] | None = None,
           cancel: threading.Event | None = None) -> dict:
    """Convert the pulled UNet and save it beside the model (written aside, then renamed: never half an export)."""
    import openvino as ov
    import torch
    from diffusers import UNet2DConditionModel

    if backend not in (FP32, INT8):
        raise BackendError(f"Unknown OpenVINO variant {backend!r}; choose {FP32} or {INT8}.")
    model_path = Path(model_path)
    report = progress or (lambda step, total, line: None)
    weights = sum(f.stat().st_size for f in (model_path / "unet").glob("*.safetensors"))
    need = weights * (1.1 if backend == FP32 else 0.4)
    free = shutil.disk_usage(model_path).free
    if free < need:
        raise BackendError(f"The export needs about {need / 1e9:.1f} GB free next to the model; "
                           f"{free / 1e9:.1f} GB is free. Nothing was written.")
    started = time.perf_counter()
    report(0, 4, "Loading the PyTorch UNet")
    unet = UNet2DConditionModel.from_pretrained(str(model_path), subfolder="unet", variant=variant,
                                                dtype=torch.float32, local_files_only=True).eval()
    _check(cancel)
    report(1, 4, "Converting to OpenVINO" + (" and compressing the weights to int8" if backend == INT8 else ""))
    model = openvino_unet.convert(unet, int8=backend == INT8)
    del unet
    _check(cancel)
    report(3, 4, "Saving")
    target = folder(model_path, backend)
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        partial.mkdir(parents=True)
        ov.save_model(model, str(partial / "unet.xml"), compress_to_fp16=False)
        meta = {"fingerprint": fingerprint(model_path), "backend": backend, "openvino": ov.get_version(),
                "seconds": round(time.perf_counter() - started, 1),
                "size_mb": round(sum(f.stat().st_size for f in partial.iterdir()) / 1e6, 1)}
        (partial / META).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        shutil.rmtree(target, ignore_errors=True)
        partial.rename(target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    report(4, 4, f"Exported in {meta['seconds']} s ({meta['size_mb']} MB)")
    return meta


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        from neurocanvas.engines.text_to_image import Cancelled

        raise Cancelled()

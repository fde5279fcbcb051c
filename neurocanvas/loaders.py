"""Loaders, one per task: installed files in, a ready model out. Heavy imports happen inside each loader.

Every loader reads local files only (`local_files_only=True` or a plain path): loading never touches
the network, so a missing file fails fast instead of hanging on hub retries.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
from pathlib import Path
from typing import Any

from neurocanvas import backends
from neurocanvas.registry import ModelSpec, Registry, RegistryError, file_sha256, loader

_torch_ready = threading.Lock()
_torch_configured = False


def _torch(registry: Registry):
    """Import torch and set its thread count once, to the studio's setting."""
    global _torch_configured
    import torch

    with _torch_ready:
        if not _torch_configured:
            torch.set_num_threads(registry.threads)
            _torch_configured = True
    return torch


class _NoEmptyFloat32Warning(logging.Filter):
    """diffusers' from_pipe casts to the pipeline's own dtype and warns about an empty list of fp32 modules."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "should be kept in float32: []" not in record.getMessage()


logging.getLogger("diffusers.models.modeling_utils").addFilter(_NoEmptyFloat32Warning())


@loader("text-to-image")
def load_text_to_image(spec: ModelSpec, path: Path, registry: Registry) -> Any:
    torch = _torch(registry)
    from diffusers import AutoPipelineForText2Image
    from diffusers.utils import logging as diffusers_logging

    diffusers_logging.disable_progress_bar()
    kwargs: dict = {"dtype": torch.float32, "local_files_only": True}  # bf16/fp16 are ~100x slower on AVX2
    if spec.defaults.get("variant"):
        kwargs["variant"] = spec.defaults["variant"]
    backend, note = backends.choose(registry.backend, spec, path)
    unet = None
    if backend != backends.TORCH:
        try:
            unet = backends.load_unet(path, backend, registry.threads)
        except backends.BackendError as exc:  # a corrupt export: PyTorch, and the note says why
            note = str(exc)
    pipe = AutoPipelineForText2Image.from_pretrained(str(path), **kwargs, **({"unet": None} if unet else {}))
    if unet is not None:
        pipe.unet = unet  # the PyTorch UNet is never loaded: its memory stays free
    pipe.set_progress_bar_config(disable=True)
    pipe.backend_note = note  # the engine adds it to each result's notes
    return pipe


@loader("vae")
def load_vae(spec: ModelSpec, path: Path, registry: Registry) -> Any:
    torch = _torch(registry)
    from diffusers import AutoencoderTiny

    return AutoencoderTiny.from_pretrained(str(path), dtype=torch.float32, local_files_only=True).eval()


@loader("style-features")
def load_style_features(spec: ModelSpec, path: Path, registry: Registry) -> Any:
    _torch(registry)
    architecture = spec.defaults.get("architecture")
    if architecture == "vgg":
        from safetensors.torch import load_file
        from torchvision.models.vgg import make_layers

        weights_file = path / "model.safetensors" if path.is_dir() else path
        features = make_layers(spec.defaults["layers"], batch_norm=False)
        state = {k[len("features."):]: v for k, v in load_file(str(weights_file)).items() if k.startswith("features.")}
        features.load_state_dict(state, strict=True)
        features.eval().requires_grad_(False)
        return features
    if architecture == "efficientnet-lite0":
        torch = _torch(registry)
        from efficientnet_lite_pytorch import EfficientNet

        model = EfficientNet.from_name("efficientnet-lite0", image_size=None)  # the default pads for 224 px only
        model.load_state_dict(torch.load(str(path), map_location="cpu", weights_only=True), strict=True)
        return model.eval().requires_grad_(False)
    raise RegistryError(f"{spec.name}: unknown feature architecture {architecture!r}.")


@loader("fast-style")
def load_fast_style(spec: ModelSpec, path: Path, registry: Registry) -> Any:
    _torch(registry)
    from safetensors.torch import load_file

    from neurocanvas.engines.fast_style import build_network

    network = build_network(int(spec.defaults.get("channels", 16)), int(spec.defaults.get("residual_blocks", 5)))
    network.load_state_dict(load_file(str(path / "model.safetensors")), strict=True)
    return network.eval().requires_grad_(False)


@loader("arbitrary-style")
def load_arbitrary_style(spec: ModelSpec, path: Path, registry: Registry) -> Any:
    """Each ONNX file checked against the catalog's sha256 first, so a damaged install names the file and the fix.

    The transformer's graph declares a fixed 384x384 input; it is fully convolutional, so the height and
    width are made free here and it paints at the size asked for (no upscaling of a 384 px result)."""
    import onnx
    import onnxruntime as ort

    from neurocanvas.engines.instant_style import Network

    fix = spec.source.get("reinstall", "make install")
    for name, digest in spec.source.get("files", {}).items():
        if not (path / name).is_file():
            raise RegistryError(f"{spec.name}: the file {path / name} is missing. Reinstall it: `{fix}`.")
        if file_sha256(path / name) != digest:
            raise RegistryError(f"{spec.name}: the file {path / name} is damaged (its sha256 does not match the "
                                f"catalog). Reinstall it: `{fix}`.")
    options = ort.SessionOptions()
    options.intra_op_num_threads = registry.threads
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # idle threads leave the CPU to others
    predictor = ort.InferenceSession(str(path / spec.defaults["predictor"]), options, providers=["CPUExecutionProvider"])
    graph = free_image_size(onnx.load(str(path / spec.defaults["transformer"])))
    transformer = ort.InferenceSession(graph.SerializeToString(), options, providers=["CPUExecutionProvider"])
    content, vector = (i.name for i in transformer.get_inputs())
    return Network(predictor=predictor, transformer=transformer, style_input=predictor.get_inputs()[0].name,
                   content_input=content, vector_input=vector)


def free_image_size(graph: Any) -> Any:
    """The transformer graph with its NHWC input and output free in height and width (declared 384x384)."""
    for value in (graph.graph.input[0], graph.graph.output[0]):
        dims = value.type.tensor_type.shape.dim
        dims[1].dim_param, dims[2].dim_param = "height", "width"
    return graph


@loader("embeddings")
def load_embeddings(spec: ModelSpec, path: Path, registry: Registry) -> Any:
    _torch(registry)
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(path), device="cpu", local_files_only=True)


@loader("sentiment")
def load_sentiment(spec: ModelSpec, path: Path, registry: Registry) -> Any:
    if path.name == "vader_lexicon.txt":
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        return SentimentIntensityAnalyzer(lexicon_file=str(path))
    _torch(registry)
    from transformers import pipeline

    return pipeline("sentiment-analysis", model=str(path), device="cpu", local_files_only=True)


@dataclasses.dataclass
class Clip:
    model: Any
    preprocess: Any
    tokenizer: Any


@loader("ranking")
def load_ranking(spec: ModelSpec, path: Path, registry: Registry) -> Any:
    _torch(registry)
    import open_clip

    model, _, preprocess = open_clip.create_model_and_transforms(f"local-dir:{path}")
    return Clip(model=model.eval(), preprocess=preprocess, tokenizer=open_clip.get_tokenizer(f"local-dir:{path}"))


def gguf_file(path: Path) -> Path:
    if path.is_file():
        return path
    found = sorted(path.glob("*.gguf"))
    if not found:
        raise RegistryError(f"No .gguf file in {path}.")
    return found[0]


@loader("llm")
def load_llm(spec: ModelSpec, path: Path, registry: Registry) -> Any:
    import llama_cpp

    file = gguf_file(path)
    with open(file, "rb") as fh:
        if fh.read(4) != b"GGUF":
            raise RegistryError(f"{file.name} is not a GGUF file (corrupt or incomplete download).")
    return llama_cpp.Llama(model_path=str(file), n_ctx=int(spec.defaults.get("n_ctx", 2048)),
                           n_threads=registry.threads, verbose=False)


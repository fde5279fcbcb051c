"""A diffusers UNet on OpenVINO: converted once from the PyTorch module, then called by the unchanged pipeline.

Only the UNet moves (it is ~95 % of a one-step render); the text encoder, the tiny VAE, the scheduler, the
seeds, the step callback (previews, cancel) stay diffusers' own, so every pipeline feature keeps working.
Pure: a module in, an `openvino.Model` out; a compiled model in, a module the pipeline can call out.
optimum-intel would do the export too, but its releases pin transformers < 5.6 (the studio runs 5.24).
"""
from __future__ import annotations

import warnings
from typing import Any

FP32, INT8 = "openvino", "openvino-int8"  # backend names, as the settings and the PNG settings spell them


class UnsupportedModel(ValueError):
    """This UNet takes inputs the export does not carry (SDXL's added conditions)."""


def _inputs(config: dict) -> list[tuple[str, list[int]]]:
    """Named inputs with free batch, size and token dimensions: one IR serves every batch, size and prompt."""
    inputs = [("sample", [-1, config["in_channels"], -1, -1]), ("timestep", [-1]),
              ("encoder_hidden_states", [-1, -1, config["cross_attention_dim"]])]
    if config.get("time_cond_proj_dim"):  # LCM's guidance embedding
        inputs.append(("timestep_cond", [-1, config["time_cond_proj_dim"]]))
    return inputs


def convert(unet: Any, int8: bool = False) -> Any:
    """The UNet traced into an OpenVINO model; int8: weights compressed to 8 bits by NNCF (activations stay fp32)."""
    import openvino as ov
    import torch

    config = dict(unet.config)
    if config.get("addition_embed_type") or config.get("class_embed_type"):
        raise UnsupportedModel("This UNet needs added conditions (SDXL-style); the OpenVINO export covers SD 1.x/2.x "
                               "UNets only. It keeps running on PyTorch.")

    class Traced(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.unet = unet

        def forward(self, sample, timestep, encoder_hidden_states, timestep_cond=None):
            return self.unet(sample, timestep, encoder_hidden_states, timestep_cond=timestep_cond, return_dict=False)[0]

    inputs = _inputs(config)
    example = [torch.randn(1, config["in_channels"], 8, 8), torch.tensor([500.0]),
               torch.randn(1, 77, config["cross_attention_dim"])]
    if len(inputs) == 4:
        example.append(torch.randn(1, config["time_cond_proj_dim"]))
    with torch.no_grad(), warnings.catch_warnings():  # the tracer's notes on diffusers' shape asserts
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        model = ov.convert_model(Traced().eval(), example_input=tuple(example), input=inputs)
    if int8:
        import nncf

        model = nncf.compress_weights(model)  # INT8_ASYM, per channel: the data-free default
    return model


class OpenVINOUNet:
    """Stands in for `pipe.unet`: same call, same config; the pipeline never knows."""

    def __init__(self, compiled: Any, config: Any, backend: str = FP32) -> None:
        import torch

        self.compiled, self.config, self.backend = compiled, config, backend
        self.dtype, self.device = torch.float32, torch.device("cpu")
        self._takes_cond = len(compiled.inputs) == 4
        self._request = compiled.create_infer_request()

    def __call__(self, sample, timestep, encoder_hidden_states, timestep_cond=None, return_dict: bool = False,
                 **_ignored: Any) -> tuple:
        import torch

        batch = sample.shape[0]
        timestep = torch.as_tensor(timestep, dtype=torch.float32).reshape(-1).expand(batch)
        feed = [sample, timestep, encoder_hidden_states]
        if self._takes_cond:
            feed.append(timestep_cond)
        out = self._request.infer([t.detach().float().contiguous().numpy() for t in feed], share_inputs=True)
        noise = torch.from_numpy(out[self.compiled.outputs[0]].copy())
        return (noise,)

    # what diffusers asks of a component -------------------------------------------------------------
    def to(self, *args: Any, **kwargs: Any) -> "OpenVINOUNet":
        return self

    def eval(self) -> "OpenVINOUNet":
        return self

    def parameters(self):
        return iter(())


def probe(unet: OpenVINOUNet) -> None:
    """One inference at a 256 px latent with CLIP's 77 tokens: OpenVINO picks each kernel at the first call, and a
    CPU without one (int8 weights under an AVX2 cap) fails there, not at compile time. Two traps of OpenVINO
    2026.4 measured here set the shape: after a first call with one token every later 77-token call is wrong, and
    under ONEDNN_MAX_CPU_ISA=AVX2 a first call at an 8x8 or 16x16 latent crashes the process (32x32 runs)."""
    import torch

    config = unet.config
    cond = torch.zeros(1, config["time_cond_proj_dim"]) if config.get("time_cond_proj_dim") else None
    unet(torch.zeros(1, config["in_channels"], 32, 32), torch.tensor([1.0]),
         torch.zeros(1, 77, config["cross_attention_dim"]), timestep_cond=cond)


def compile_model(model: Any, threads: int) -> Any:
    """The IR (a path to its .xml, or an openvino.Model) compiled for this CPU in fp32 (bf16 would be faster on
    AVX-512 cores, but changes the image)."""
    import openvino as ov

    return ov.Core().compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32",
                                                "INFERENCE_NUM_THREADS": max(int(threads), 1)})


def available() -> bool:
    import importlib.util

    return importlib.util.find_spec("openvino") is not None

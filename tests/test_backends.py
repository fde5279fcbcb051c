"""The OpenVINO backend on the tiny SD, exported in the test and loaded through the registry's normal path."""
import shutil
import threading

import numpy as np
import pytest

from neurocanvas import backends
from neurocanvas.engines.openvino_unet import FP32, INT8, OpenVINOUNet
from neurocanvas.engines.text_to_image import Cancelled, Request, TextToImage
from neurocanvas.registry import Registry, load_catalog
from tests.fixtures import TINY_UNET

REQUEST = Request(prompt="a fox in the art", num_inference_steps=2, width=64, height=64, seed=5, batch_size=2,
                  tiny_vae=False)


@pytest.fixture(scope="module")
def exported(tmp_path_factory, tiny_built):
    """A models folder whose tiny SD has both exports; tests that break an export copy it first."""
    from tests.fixtures import install_tiny_models

    models = tmp_path_factory.mktemp("ov-models")
    install_tiny_models(Registry(load_catalog(), models, threads=1), tiny_built)
    for backend in (FP32, INT8):
        backends.export(models / "tiny-sd", backend)
    return models


def registry(models, backend):
    return Registry(load_catalog(), models, threads=1, backend=backend)


def pixels(result) -> np.ndarray:
    return np.stack([np.asarray(image, dtype=np.int16) for image in result.images])


def render(models, backend, request=REQUEST, **kwargs):
    r = registry(models, backend)
    from tests.fixtures import TINY_SPECS

    r.add(TINY_SPECS["tiny-sd"])
    return TextToImage(r.get("tiny-sd"))(request, **kwargs)


def test_the_export_paints_what_pytorch_paints_for_the_same_seeds(exported):
    torch_run, openvino_run = render(exported, "torch"), render(exported, "openvino")
    assert (torch_run.backend, openvino_run.backend) == ("torch", FP32)
    assert openvino_run.seeds == torch_run.seeds == [5, 6] and openvino_run.notes == []
    assert np.abs(pixels(openvino_run) - pixels(torch_run)).max() <= 2  # fp32 both: rounding only
    assert np.abs(pixels(openvino_run)[0] - pixels(openvino_run)[1]).mean() > 5  # seed 6 is its own image
    assert render(exported, "auto").backend == FP32  # auto takes the export once there is one


def test_int8_weights_stay_close_to_fp32(exported):
    fp32, int8 = render(exported, "openvino"), render(exported, INT8)
    assert int8.backend == INT8
    assert np.abs(pixels(int8) - pixels(fp32)).mean() <= 6  # the bar: 6/255 mean absolute difference


def test_the_pytorch_unet_is_not_loaded_beside_the_export(exported):
    r = registry(exported, "openvino")
    from tests.fixtures import TINY_SPECS

    r.add(TINY_SPECS["tiny-sd"])
    pipe = r.get("tiny-sd")
    assert isinstance(pipe.unet, OpenVINOUNet) and pipe.unet.config.in_channels == 4


def test_cancel_stops_an_openvino_render_between_steps(exported):
    cancel, steps = threading.Event(), []

    def progress(index, step, total, preview):
        steps.append(step)
        cancel.set()

    with pytest.raises(Cancelled):
        render(exported, "openvino", Request(prompt="a fox", num_inference_steps=4, width=64, height=64, tiny_vae=False),
               progress=progress, cancel=cancel)
    assert steps == [1]


def test_a_missing_export_says_how_to_make_one_and_runs_on_pytorch(tmp_path, tiny_built):
    from tests.fixtures import install_tiny_models

    install_tiny_models(Registry(load_catalog(), tmp_path, threads=1), tiny_built)
    result = render(tmp_path, "openvino")
    assert result.backend == "torch" and len(result.images) == 2
    assert "python -m neurocanvas export-openvino tiny-sd" in result.notes[0]
    assert render(tmp_path, "auto").notes == []  # auto without an export is plain PyTorch, nothing to say


def test_a_corrupt_export_falls_back_to_pytorch_with_a_clear_message(tmp_path, exported):
    models = tmp_path / "models"
    shutil.copytree(exported, models)
    weights = models / "tiny-sd" / FP32 / "unet.bin"
    weights.write_bytes(weights.read_bytes()[:1000])  # a disk that filled up mid-copy
    result = render(models, "auto")
    assert result.backend == "torch" and len(result.images) == 2
    assert "could not be read" in result.notes[0] and "export-openvino tiny-sd" in result.notes[0]


def test_a_re_pulled_model_does_not_use_its_stale_export(tmp_path, exported):
    models = tmp_path / "models"
    shutil.copytree(exported, models)
    assert backends.exported(models / "tiny-sd") == [FP32, INT8]
    config = models / "tiny-sd" / "unet" / "config.json"
    config.write_text(config.read_text().replace('"sample_size": 32', '"sample_size": 16'))
    assert backends.exported(models / "tiny-sd") == []
    assert render(models, "auto").backend == "torch"


def test_a_full_disk_refuses_the_export_before_writing(tmp_path, tiny_built, monkeypatch):
    from tests.fixtures import install_tiny_models

    install_tiny_models(Registry(load_catalog(), tmp_path, threads=1), tiny_built)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9, 1000))
    with pytest.raises(backends.BackendError, match="needs about .* GB free"):
        backends.export(tmp_path / "tiny-sd", FP32)
    assert not (tmp_path / "tiny-sd" / FP32).exists() and not (tmp_path / "tiny-sd" / "openvino.partial").exists()


def test_an_lcm_unet_exports_with_its_guidance_input():
    """LCM Dreamshaper's UNet takes a guidance embedding (timestep_cond): the export carries it as a fourth input."""
    import torch
    from diffusers import UNet2DConditionModel

    from neurocanvas.engines import openvino_unet

    torch.manual_seed(0)
    unet = UNet2DConditionModel(**TINY_UNET, time_cond_proj_dim=16).eval()
    compiled = openvino_unet.compile_model(openvino_unet.convert(unet), threads=1)
    stand_in = openvino_unet.OpenVINOUNet(compiled, unet.config)
    sample, text, cond = torch.randn(2, 4, 16, 16), torch.randn(2, 77, 32), torch.randn(2, 16)
    with torch.no_grad():
        expected = unet(sample, torch.tensor(250), text, timestep_cond=cond).sample
        other = unet(sample, torch.tensor(250), text, timestep_cond=cond * 3).sample
    got = stand_in(sample, torch.tensor(250), encoder_hidden_states=text, timestep_cond=cond)[0]
    assert torch.allclose(got, expected, atol=1e-4)
    assert not torch.allclose(got, other, atol=1e-3)  # the guidance input is really used


def test_an_export_this_cpu_cannot_run_falls_back_at_load(tmp_path, exported, monkeypatch):
    """OpenVINO picks kernels at the first inference: a missing one (int8 weights under an AVX2 cap) must not fail
    the render; the load probes once and the image runs on PyTorch with a note."""
    def no_kernel(self, *args, **kwargs):
        raise RuntimeError("[CPU] FullyConnectedCompressed node could not create a primitive descriptor")

    monkeypatch.setattr(OpenVINOUNet, "__call__", no_kernel)
    result = render(exported, INT8)
    assert result.backend == "torch" and len(result.images) == 2
    assert "cannot run the openvino-int8 export" in result.notes[0]
    assert "export-openvino tiny-sd`" in result.notes[0]  # the fp32 export is offered instead


def test_the_probe_leaves_the_compiled_unet_answering_as_pytorch():
    """OpenVINO 2026.4 keeps kernels chosen at the first call: a probe with one token made every later 77-token
    answer wrong (max error 0.87), so the probe must call with the shapes a render uses."""
    import torch
    from diffusers import UNet2DConditionModel

    from neurocanvas.engines import openvino_unet

    torch.manual_seed(0)
    unet = UNet2DConditionModel(**TINY_UNET).eval()
    stand_in = OpenVINOUNet(openvino_unet.compile_model(openvino_unet.convert(unet), threads=1), unet.config)
    openvino_unet.probe(stand_in)
    sample, text = torch.randn(2, 4, 8, 8), torch.randn(2, 77, 32)
    with torch.no_grad():
        expected = unet(sample, torch.tensor(250), text).sample
    got = stand_in(sample, torch.tensor(250), encoder_hidden_states=text)[0]
    assert torch.allclose(got, expected, atol=1e-4)

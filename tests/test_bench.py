"""A smoke run of `make bench`: every section runs once and writes its records (no timing is asserted)."""
import json

import pytest

from bench.__main__ import SECTIONS, main


EXPECTED = {  # section -> names its smoke run must record
    "app": {"app start-up (process start to HTTP 200)", "endpoint /profile"},
    "prompt_lab": {"prompt analysis, warm p95", "prompt analysis, cold first call (new process)"},
    "text_to_image": {"t2i sd-turbo: end to end, 1 image"},
    "openvino": {"ov tiny UNet 64px: torch, 1 image", "ov tiny UNet 64px: openvino, 1 image",
                 "ov tiny UNet 64px: openvino-int8, 1 image", "ov tiny UNet: openvino export",
                 "ov tiny UNet 64px: int8 vs fp32 OpenVINO, mean |latent RGB diff|",
                 "ov tiny UNet: openvino-int8 UNet output vs torch, relative L2 error",
                 "ov instant style 64px: openvino, same ONNX"},
    "director": set(), "style_transfer": {"style instant (Magenta arbitrary, int8 ONNX), 64 px, one pass"},
    "style_quality": {"style quality instant: luminance SSIM vs photo, median of 1",
                      "style quality quick: Gram distance to the painting, median of 1"}, "ranking": set(), "bandits": set(),
    "jobs": {"job overhead, default engine: submit to first step", "job overhead, Redis: submit to first step"},
    "budget": set(),  # its names carry the plan; the smoke run plans every budget for the tiny model
}


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_bench_smoke_writes_records(section, tmp_path):
    """One test per section, so the suite's workers share them and none runs for minutes."""
    out = tmp_path / "results.json"
    assert main(["--smoke", "--only", section, "--out", str(out)]) == 0
    saved = json.loads(out.read_text())
    assert set(saved["cpu"]["flags"]) == {"avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile"}
    assert saved["cpu"]["model"] and isinstance(saved["cpu"]["native_bfloat16"], bool)
    records = saved["results"]
    assert records and EXPECTED[section] <= {r["name"] for r in records}
    for r in records:
        assert r["section"] == section and r["runs"] >= 1
        assert r["median"] >= 0 if r["unit"] in ("/255", "rel") else r["median"] > 0  # two backends may agree
        assert r["unit"] in ("s", "ms", "GB", "MB", "tok/s", "/255", "rel", "")
    if section == "text_to_image":
        turbo = next(r for r in records if r["name"] == "t2i sd-turbo: end to end, 1 image")
        assert turbo["baseline"].startswith("t2i baseline") and turbo["ratio"] > 1


def test_load_test_ten_clients_none_lost(tmp_path):
    from bench.load_test import run

    summary = run(clients=10, cancel=2, workdir=tmp_path)
    assert summary["failures"] == []
    assert summary["done"] + summary["cancelled"] == 10 and summary["cancelled"] == 2
    assert summary["max_position"] >= 5  # the jobs really queued behind one another


@pytest.mark.parametrize("worker_process", [False, True], ids=["workers-in-the-studio", "niced-worker-process"])
def test_mixed_load_light_calls_while_renders_run(tmp_path, worker_process):
    """The studio in its own process (and its worker beside it), REST clients with sessions: no call fails."""
    from bench.load_test import mixed

    summary = mixed(clients=4, duration=6, render_every=2, think_s=0.2, worker_process=worker_process,
                    workdir=tmp_path)
    assert summary["errors"] == []
    assert summary["light_calls"] >= 8 and summary["renders"] >= 2 and summary["done"] == summary["renders"]
    assert set(summary["p95_by_endpoint_ms"]) == {"/profile", "/gallery", "/analyze_prompt", "/recommend"}

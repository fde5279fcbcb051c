"""CPU-dependent choices are decided from flags passed in, so both sides are tested on any machine."""
import pytest

from neurocanvas import cpu
from neurocanvas.config import SettingsError, load_settings

AVX2_ONLY = {"sse4_2", "avx", "avx2", "fma"}
AVX512_BF16 = AVX2_ONLY | {"avx512f", "avx512bw", "avx512_bf16"}
AMX = AVX2_ONLY | {"avx512f", "amx_tile", "amx_bf16"}


@pytest.mark.parametrize("flags, native", [(AVX2_ONLY, False), (AVX2_ONLY | {"avx512f"}, False),
                                           (AVX512_BF16, True), (AMX, True)])
def test_native_bfloat16_is_read_from_the_flags(flags, native):
    assert cpu.native_bf16(flags, onednn_isa="") is native


def test_a_onednn_cap_below_bfloat16_means_emulated():
    assert cpu.native_bf16(AVX512_BF16, onednn_isa="AVX2") is False
    assert cpu.native_bf16(AVX512_BF16, onednn_isa="avx512_core_bf16") is True


@pytest.mark.parametrize("precision, flags, expected", [
    ("auto", AVX2_ONLY, False), ("auto", AVX512_BF16, True),
    ("float32", AVX512_BF16, False), ("bfloat16", AVX2_ONLY, True),  # forced either way, whatever the CPU
])
def test_precision_setting_resolves(precision, flags, expected, monkeypatch):
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    assert cpu.use_bfloat16(precision, flags) is expected


def test_unknown_precision_is_refused():
    with pytest.raises(ValueError, match="Precision must be one of"):
        cpu.use_bfloat16("fp8")
    with pytest.raises(SettingsError, match="--precision must be one of"):
        load_settings([], {"NEUROCANVAS_PRECISION": "half"})


def test_precision_comes_from_the_flag_or_the_environment():
    assert load_settings([], {}).precision == "auto"
    assert load_settings([], {"NEUROCANVAS_PRECISION": "float32"}).precision == "float32"
    assert load_settings(["--precision", "bfloat16"], {"NEUROCANVAS_PRECISION": "float32"}).precision == "bfloat16"


def test_describe_names_the_cpu_and_its_relevant_flags():
    info = cpu.describe()
    assert set(info["flags"]) == set(cpu.RELEVANT_FLAGS) and info["model"]
    assert info["kind"] in ("AVX-512", "AVX2", "other") and isinstance(info["native_bfloat16"], bool)
    assert info["flags"]["avx512f"] is ("avx512f" in cpu.cpu_flags())

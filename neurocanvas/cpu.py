"""What this CPU can do, read once; every choice made from it can also be forced by a setting.

Machines differ: some have AVX-512 with native bfloat16 (AVX512-BF16, AMX), most laptops only AVX2,
where bfloat16 is emulated and about 100x slower than float32. Choices take the flags as an argument
so that tests exercise both sides on any machine.
"""
from __future__ import annotations

import functools
import os
import platform
from pathlib import Path
from typing import Iterable

RELEVANT_FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile")
PRECISIONS = ("auto", "float32", "bfloat16")
# oneDNN ISA caps (ONEDNN_MAX_CPU_ISA) that still include native bfloat16 kernels
_BF16_ISAS = {"ALL", "DEFAULT", "AVX512_CORE_BF16", "AVX512_CORE_FP16", "AVX512_CORE_AMX", "AVX512_CORE_AMX_FP16",
              "AVX10_1_512", "AVX10_1_512_AMX", "AVX10_1_512_AMX_FP16", "AVX10_2_512", "AVX10_2_512_AMX_2"}


@functools.cache
def cpu_flags() -> frozenset[str]:
    """The flags of the first processor in /proc/cpuinfo (empty where it cannot be read)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.partition(":")[2].split())
    return frozenset()


@functools.cache
def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def native_bf16(flags: Iterable[str] | None = None, onednn_isa: str | None = None) -> bool:
    """True where bfloat16 convolutions run natively: AVX512-BF16 or AMX, and oneDNN not capped below them."""
    flags = cpu_flags() if flags is None else set(flags)
    isa = (os.environ.get("ONEDNN_MAX_CPU_ISA", "") if onednn_isa is None else onednn_isa).strip().upper()
    if isa and isa not in _BF16_ISAS:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def use_bfloat16(precision: str = "auto", flags: Iterable[str] | None = None) -> bool:
    """The precision setting resolved: 'auto' is bfloat16 only on CPUs that have it natively."""
    if precision not in PRECISIONS:
        raise ValueError(f"Precision must be one of {', '.join(PRECISIONS)}, not {precision!r}.")
    if precision == "auto":
        return native_bf16(flags)
    return precision == "bfloat16"


def describe() -> dict:
    """The CPU's model and the flags the studio's choices depend on (recorded with every benchmark)."""
    flags = cpu_flags()
    return {"model": cpu_model(), "cores": os.cpu_count(), "flags": {f: f in flags for f in RELEVANT_FLAGS},
            "native_bfloat16": native_bf16(), "kind": "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "other"}

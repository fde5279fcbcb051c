"""A smoke run of `make bench`: every section runs once and writes its records (no timing is asserted)."""
import json

from bench.__main__ import main


def test_bench_smoke_writes_records(tmp_path):
    out = tmp_path / "results.json"
    assert main(["--smoke", "--out", str(out)]) == 0
    records = json.loads(out.read_text())["results"]
    names = [r["name"] for r in records]
    assert names[0].startswith("app start-up") and any(n == "endpoint /profile" for n in names)
    assert {"prompt analysis, warm p95", "prompt analysis, cold first call (new process)"} <= set(names)
    for r in records:
        assert r["median"] > 0 and r["runs"] >= 1 and r["unit"] in ("s", "ms", "GB", "tok/s", "")
    turbo = next(r for r in records if r["name"] == "t2i sd-turbo: end to end, 1 image")
    assert turbo["baseline"].startswith("t2i baseline") and turbo["ratio"] > 1


def test_load_test_ten_clients_none_lost(tmp_path):
    from bench.load_test import run

    summary = run(clients=10, cancel=2, workdir=tmp_path)
    assert summary["failures"] == []
    assert summary["done"] + summary["cancelled"] == 10 and summary["cancelled"] == 2
    assert summary["max_position"] >= 5  # the jobs really queued behind one another

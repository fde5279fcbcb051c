"""App start-up (a real process, until the page answers) and the latency of the prompt-free endpoints."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.common import Result, result, timed

ROOT = Path(__file__).resolve().parent.parent
ENDPOINTS = ["/profile", "/models", "/settings", "/text_to_image_status", "/director_status"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(data: Path, port: int) -> tuple[subprocess.Popen, float]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port), "--data-dir", str(data)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while time.perf_counter() - started < 120:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as r:
                if r.status == 200:
                    return proc, time.perf_counter() - started
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the studio did not answer within 120 s")


def run(runs: int = 3, calls: int = 20, smoke: bool = False) -> list[Result]:
    from gradio_client import Client

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        startups = []
        for i in range(runs):
            proc, seconds = _start(Path(tmp), _free_port())
            startups.append(seconds)
            if i < runs - 1:
                proc.terminate()
                proc.wait(30)
        results.append(result("app start-up (process start to HTTP 200)", startups))
        try:
            client = Client(f"http://127.0.0.1:{proc.args[3]}/", verbose=False)
            for endpoint in ENDPOINTS:
                times = timed(lambda: client.predict(api_name=endpoint), runs=calls)
                results.append(result(f"endpoint {endpoint}", [t * 1000 for t in times], unit="ms"))
        finally:
            proc.terminate()
            proc.wait(30)
    return results

"""The command line as a user meets it: refusals, the catalog listing, and a real `python app.py` start."""
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent


def run(*args, timeout=120):
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_share_without_auth_refuses_to_start():
    proc = run("app.py", "--share")
    assert proc.returncode == 2
    assert "Refusing to start" in proc.stderr and "--auth" in proc.stderr


def test_models_lists_the_catalog(tmp_path):
    proc = run("-m", "neurocanvas", "models", "--data-dir", str(tmp_path / "d"), "--models-dir", str(tmp_path / "m"))
    assert proc.returncode == 0, proc.stderr
    lines = {line.split()[0]: line for line in proc.stdout.splitlines()}
    assert "not downloaded" in lines["sd-turbo"] and "installed" in lines["smollm2-135m"]


def test_pull_unknown_model_fails_clearly(tmp_path):
    proc = run("-m", "neurocanvas", "pull", "nope", "--data-dir", str(tmp_path / "d"), "--models-dir", str(tmp_path / "m"))
    assert proc.returncode == 1 and "Unknown model 'nope'" in proc.stderr


def test_unwritable_data_folder_is_reported(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = run("app.py", "--data-dir", str(blocker / "data"))
    assert proc.returncode == 1 and "Cannot create the folder" in proc.stderr


def test_app_py_serves_the_studio(tmp_path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--data-dir", str(tmp_path / "d")],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as r:
                    assert r.status == 200 and "NeuroCanvas" in r.read().decode()
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError("no answer within 90 s")
    finally:
        proc.terminate()
        proc.wait(30)

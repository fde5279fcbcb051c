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


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                pass
    return found


def _worker_of(pid: int) -> int | None:
    for child in _children(pid):
        try:
            if "worker" in (Path("/proc") / str(child) / "cmdline").read_bytes().decode().split("\0"):
                return child
        except OSError:
            pass
    return None


def test_the_studio_runs_its_jobs_in_a_niced_child_that_ends_with_it(tmp_path):
    """`make run` runs the job workers in a child process at nice 10; it goes when the studio goes, even by kill -9."""
    import os
    import signal

    from tests.conftest import wait_until

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "neurocanvas", "run", "--port", str(port), "--data-dir",
                             str(tmp_path / "d"), "--models-dir", str(tmp_path / "m")], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: _worker_of(proc.pid), timeout=90), "no worker process started"
        worker = _worker_of(proc.pid)  # (imports run short-lived helpers such as ldconfig as children too)
        assert wait_until(lambda: os.getpriority(os.PRIO_PROCESS, worker) == 10, timeout=60)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        assert wait_until(lambda: not Path(f"/proc/{worker}").exists() or
                          (Path(f"/proc/{worker}") / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z",
                          timeout=30), "the worker outlived its studio"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)

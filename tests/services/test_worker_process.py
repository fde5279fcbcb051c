"""The studio's job workers in a child process: the owner's thread and memory changes reach it through a file."""
import os

from neurocanvas.registry import Registry, load_catalog
from neurocanvas.services.worker_process import CONTROL_FILE, ControlWatch, WorkerProcess, parent_gone


def test_the_owners_changes_reach_the_worker_between_jobs(tmp_path):
    registry = Registry(load_catalog(), tmp_path / "models", memory_budget_mb=4096, threads=1)
    watch = ControlWatch(tmp_path, registry)
    assert watch.check() is False  # no file: the launch options rule
    WorkerProcess(tmp_path, 2, []).configure(2, 1024.0)
    assert watch.check() is True and (registry.threads, registry.memory_budget_mb) == (2, 1024.0)
    assert watch.check() is False  # applied once
    (tmp_path / CONTROL_FILE).write_text("{not json")
    assert watch.check() is False and registry.threads == 2  # a broken file changes nothing


def test_the_worker_is_started_with_the_studios_options_and_a_lower_priority(tmp_path):
    child = WorkerProcess(tmp_path, 2, ["--data-dir", str(tmp_path), "--threads", "1"])
    assert child.command[1:] == ["-m", "neurocanvas", "worker", "--workers", "2", "--nice", "10",
                                 "--parent", str(os.getpid()), "--data-dir", str(tmp_path), "--threads", "1"]


def test_a_worker_knows_when_its_studio_is_gone():
    assert parent_gone(os.getppid() + 1_000_000)  # not our parent: as after the studio died
    assert not parent_gone(os.getppid())

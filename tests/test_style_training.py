"""`train-style`: a fast network trained here is registered as a model, survives a restart, and runs in the tab."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from neurocanvas.registry import LOCAL_CATALOG, ModelNotInstalled, Registry, load_catalog
from neurocanvas.style_training import train_style
from tests.conftest import SHARED_STYLES

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def photos(tmp_path):
    from skimage import data

    folder = tmp_path / "photos"
    folder.mkdir()
    Image.fromarray(data.coffee()).save(folder / "coffee.jpg")
    Image.fromarray(data.rocket()).save(folder / "rocket.png")
    (folder / "notes.jpg").write_text("not a picture")  # skipped with a warning
    return folder


def test_training_registers_a_model_that_a_new_registry_finds(ctx, photos):
    spec = train_style(ctx, "the-scream", photos, steps=3, size=64, channels=8)
    assert spec.id == "fast-the-scream" and spec.task == "fast-style" and ctx.registry.is_installed(spec.id)
    assert spec.defaults["photos"] == 2 and "train-style the-scream" in ctx.registry.install_command(spec.id)
    restarted = Registry(load_catalog(), ctx.settings.models_dir, threads=1)
    network = restarted.get("fast-the-scream")  # through the loader, from safetensors
    assert sum(p.numel() for p in network.parameters()) == sum(p.numel() for p in ctx.registry.get(spec.id).parameters())
    assert restarted.status()[-1]["source"].startswith("made here: python -m neurocanvas train-style")


def test_a_deleted_local_model_names_the_command_that_makes_it_again(ctx, photos):
    spec = train_style(ctx, "udnie", photos, steps=1, size=64, channels=8)
    (ctx.settings.models_dir / spec.id / "model.safetensors").unlink()
    with pytest.raises(ModelNotInstalled, match="train-style udnie"):
        ctx.registry.require(spec.id)


def test_a_broken_local_catalog_is_skipped(ctx, photos):
    folder = ctx.settings.models_dir / "fast-broken"
    folder.mkdir()
    (folder / LOCAL_CATALOG).write_text("{not json")
    assert "fast-broken" not in Registry(load_catalog(), ctx.settings.models_dir, threads=1).catalog


def test_no_photos_or_unknown_preset_installs_nothing(ctx, tmp_path):
    with pytest.raises(ValueError, match="No photos to train on"):
        train_style(ctx, "the-scream", tmp_path / "empty", steps=1)
    with pytest.raises(ValueError, match="Unknown style preset"):
        train_style(ctx, "nope", tmp_path, steps=1)
    assert not ctx.registry.specs("fast-style")


def test_the_command_line_trains_and_installs(tmp_path, photos):
    proc = subprocess.run([sys.executable, "-m", "neurocanvas", "train-style", "great-wave", "--photos", str(photos),
                           "--steps", "2", "--size", "64", "--channels", "8", "--data-dir", str(tmp_path / "d"),
                           "--models-dir", str(tmp_path / "m"), "--styles-dir", str(SHARED_STYLES)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "fast-great-wave: installed" in proc.stdout
    entry = json.loads((tmp_path / "m" / "fast-great-wave" / LOCAL_CATALOG).read_text())["models"][0]
    assert entry["source"]["type"] == "local" and entry["defaults"]["steps"] == 2

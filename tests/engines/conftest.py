import json

import pytest

from neurocanvas.registry import CATALOG_PATH, Registry, load_catalog


@pytest.fixture(scope="session")
def registry(tmp_path_factory, tiny_built):
    """The packaged models plus the tiny test models, loaded through the normal registry path."""
    from tests.fixtures import install_tiny_models

    r = Registry(load_catalog(), tmp_path_factory.mktemp("engine-models"), threads=2)
    install_tiny_models(r, tiny_built)
    return r


@pytest.fixture(scope="session")
def analyzer(tmp_path_factory):
    """The real prompt analyser: MiniLM and VADER ship in packages, so no download is involved."""
    from neurocanvas.handlers.prompt_lab import build_analyzer

    registry = Registry(load_catalog(), tmp_path_factory.mktemp("models"), threads=1)
    return build_analyzer(registry, json.loads((CATALOG_PATH.parent / "prompt_lexicon.json").read_text()))

from tests.engines.conftest import analyzer, registry  # noqa: F401  (the packaged models, shared with the engines)

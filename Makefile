# NeuroCanvas: `make run` installs and starts the studio; `make test` installs and runs every test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
ARGS ?=
# llama-cpp-python has no PyPI wheel: build it once, portable (no -march=native), and keep the wheel.
LLAMA_VERSION := 0.3.36
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF
LLAMA_WHEELS ?= $(HOME)/.cache/neurocanvas/wheels/llama-cpp-python-$(LLAMA_VERSION)-portable
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: install install-test run test bench eval load-test models clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-nodeps.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@if ! ls $(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl >/dev/null 2>&1; then \
		echo "Building llama-cpp-python $(LLAMA_VERSION) once (about 7 minutes on 2 cores)..."; \
		mkdir -p $(LLAMA_WHEELS); \
		CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) wheel --quiet --no-deps --no-cache-dir -w $(LLAMA_WHEELS) llama-cpp-python==$(LLAMA_VERSION); \
	fi
	$(PIP) install --quiet --find-links $(LLAMA_WHEELS) -r requirements.txt
	$(PIP) install --quiet --no-deps -r requirements-nodeps.txt
	touch $(STAMP)

install-test: $(TEST_STAMP)

$(TEST_STAMP): $(STAMP) requirements-test.txt
	$(PIP) install --quiet -r requirements-test.txt
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium chromium-driver"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian's$$missing for the browser, job-engine and database tests..."; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	touch $(TEST_STAMP)

run: install
	$(PY) app.py $(ARGS)

test: install-test
	$(PY) -m pytest $(ARGS)

bench: install-test
	$(PY) -m bench $(ARGS)

eval: install-test
	$(PY) -m bench.eval_prompts $(ARGS)

load-test: install-test
	$(PY) -m bench.load_test $(ARGS)
	$(PY) -m bench.load_test --mixed --clients 20 --duration 60
	$(PY) -m bench.load_test --mixed --clients 20 --duration 60 --no-worker-process

models: install
	$(PY) -m neurocanvas pull --defaults

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts

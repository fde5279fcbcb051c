"""One typed Settings object, read once from NEUROCANVAS_* variables and CLI flags, then passed down.

Command-line flags win over environment variables, which win over the defaults. Nothing here
imports a heavy library, so `--help` and a refusal to start are instant.
"""
from __future__ import annotations

import argparse
import dataclasses
import ipaddress
import os
from pathlib import Path
from typing import Mapping, Sequence

from neurocanvas.cpu import PRECISIONS

BACKENDS = ("auto", "torch", "openvino", "openvino-int8")  # text to image (see neurocanvas/backends.py)

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class SettingsError(ValueError):
    """A launch option is invalid; the message says which and why."""


@dataclasses.dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 7860
    share: bool = False
    auth: tuple[tuple[str, str], ...] = ()
    allowed_hosts: tuple[str, ...] = ()  # Host names answered besides this machine's (e.g. studio.example.org)
    allowed_origins: tuple[str, ...] = ()  # other web origins whose pages may call the studio
    admin: str = ""  # the owner (studio settings, model pulls): this login, else the first --auth user
    data_dir: Path = Path("data")
    models_dir: Path = Path("models")
    database_url: str = ""  # empty: SQLite file in the data folder
    memory_budget_gb: float = 6.0
    threads: int = 0  # 0: one per core
    heavy_concurrency: int = 1  # model-running events share one slot: two busy libraries fight for 2 cores
    queue_size: int = 32  # jobs waiting or running, all users together; a submit beyond it is refused
    max_jobs_per_user: int = 8  # one person's share of the queue
    max_file_size_mb: int = 25
    keep_deleted_hours: float = 24.0  # a deleted image can be restored this long; then its row and file go
    temp_max_age_hours: float = 6.0  # uploads and served copies in tmp/ are removed once this old
    styles_dir: Path | None = None  # a local folder of preset paintings instead of downloading them
    hub_endpoint: str = ""  # empty: huggingface_hub's default (HF_ENDPOINT or huggingface.co)
    director_url: str = ""  # an OpenAI-compatible chat server (llama.cpp server, Ollama) for the art director
    broker_url: str = ""  # empty: jobs queue in SQLite in the data folder; redis://host:port/db to scale out
    local_worker: bool = True  # the studio runs heavy_concurrency job workers itself (off: only `neurocanvas worker`s)
    worker_process: bool = True  # ...in a niced child process (`python -m neurocanvas run`), not in its own threads
    worker_timeout_s: float = 15.0  # a running job whose worker sent no heartbeat this long is retried once
    precision: str = "auto"  # VGG features: auto = bfloat16 only where the CPU has it natively (see cpu.py)
    backend: str = "auto"  # text to image's UNet: auto = OpenVINO where a model has been exported for it (backends.py)

    @property
    def images_dir(self) -> Path:
        return self.data_dir / "images"

    @property
    def tmp_dir(self) -> Path:
        return self.data_dir / "tmp"

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'neurocanvas.db').resolve()}"

    @property
    def is_public(self) -> bool:
        """True when people other than this machine's user can reach the studio."""
        return self.share or self.host not in LOCAL_HOSTS

    @property
    def cpu_threads(self) -> int:
        return self.threads or (os.cpu_count() or 1)

    def is_owner(self, user: str) -> bool:
        """Studio-wide settings and model pulls are the owner's; without a login everybody is the one local user."""
        if not self.auth:
            return True
        return user == (self.admin or self.auth[0][0])

    def validate(self) -> "Settings":
        if self.is_public and not self.auth:
            where = "a share link (--share)" if self.share else f"host {self.host}"
            raise SettingsError(
                f"Refusing to start: {where} makes the studio reachable from other machines, "
                "and no login is set. Add --auth USER:PASSWORD (or --auth-file FILE), "
                "or keep the default host 127.0.0.1."
            )
        if self.host not in LOCAL_HOSTS:
            try:
                ipaddress.ip_address(self.host)
            except ValueError:
                if not self.host.replace("-", "").replace(".", "").isalnum():
                    raise SettingsError(f"--host {self.host!r} is not an address or a host name.")
        if not 1 <= self.port <= 65535:
            raise SettingsError(f"--port must be between 1 and 65535, not {self.port}.")
        if not 0.5 <= self.memory_budget_gb <= 1024:
            raise SettingsError(f"--memory-budget-gb must be between 0.5 and 1024, not {self.memory_budget_gb}.")
        if not 0 <= self.threads <= 256:
            raise SettingsError(f"--threads must be between 0 (all cores) and 256, not {self.threads}.")
        if not 1 <= self.heavy_concurrency <= 16:
            raise SettingsError(f"--heavy-concurrency must be between 1 and 16, not {self.heavy_concurrency}.")
        if not 1 <= self.queue_size <= 10000:
            raise SettingsError(f"--queue-size must be between 1 and 10000, not {self.queue_size}.")
        if not 1 <= self.max_jobs_per_user <= 10000:
            raise SettingsError(f"--max-jobs-per-user must be between 1 and 10000, not {self.max_jobs_per_user}.")
        if self.director_url and not self.director_url.startswith(("http://", "https://")):
            raise SettingsError(f"--director-url must start with http:// or https://, not {self.director_url!r}.")
        if not 1 <= self.max_file_size_mb <= 1024:
            raise SettingsError(f"--max-file-size-mb must be between 1 and 1024, not {self.max_file_size_mb}.")
        for name, value in (("keep-deleted-hours", self.keep_deleted_hours), ("temp-max-age-hours", self.temp_max_age_hours)):
            if not 0.01 <= value <= 24 * 365:
                raise SettingsError(f"--{name} must be between 0.01 and 8760 hours, not {value}.")
        if self.broker_url and not self.broker_url.startswith(("redis://", "rediss://", "unix://")):
            raise SettingsError(f"--broker must be a redis:// URL, not {self.broker_url!r}.")
        if not 1 <= self.worker_timeout_s <= 3600:
            raise SettingsError(f"--worker-timeout must be between 1 and 3600 seconds, not {self.worker_timeout_s}.")
        if self.admin and self.admin not in {user for user, _ in self.auth}:
            raise SettingsError(f"--admin {self.admin!r} is not one of the --auth logins.")
        if self.precision not in PRECISIONS:
            raise SettingsError(f"--precision must be one of {', '.join(PRECISIONS)}, not {self.precision!r}.")
        if self.backend not in BACKENDS:
            raise SettingsError(f"--backend must be one of {', '.join(BACKENDS)}, not {self.backend!r}.")
        return self

    def public_view(self) -> dict:
        """The settings as shown in the UI: no passwords, no database credentials."""
        view = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        view["auth"] = [user for user, _ in self.auth]
        view["database_url"] = _redact_url(self.database)
        view["broker_url"] = _redact_url(self.broker_url)
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in view.items()}


def _redact_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return url


def parse_auth(value: str) -> tuple[str, str]:
    user, sep, password = value.partition(":")
    if not sep or not user.strip() or not password:
        raise SettingsError(f"An auth entry must look like USER:PASSWORD, got {value.split(':')[0]!r}:…")
    return user.strip(), password


def read_auth_file(path: Path) -> list[tuple[str, str]]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SettingsError(f"Cannot read the auth file {path}: {exc.strerror or exc}.") from exc
    pairs = [parse_auth(line.strip()) for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not pairs:
        raise SettingsError(f"The auth file {path} holds no USER:PASSWORD line.")
    return pairs


def _env_bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="neurocanvas", description="NeuroCanvas local AI art studio")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int)
    p.add_argument("--share", action="store_true", default=None, help="create a public link (needs --auth)")
    p.add_argument("--auth", action="append", metavar="USER:PASSWORD", help="a login; repeat for more users")
    p.add_argument("--auth-file", type=Path, help="a file of USER:PASSWORD lines")
    p.add_argument("--allowed-host", action="append", dest="allowed_hosts", metavar="HOST",
                   help="a Host name to answer besides localhost (repeatable; *.example.org patterns work)")
    p.add_argument("--allowed-origin", action="append", dest="allowed_origins", metavar="ORIGIN",
                   help="another origin (https://site.example) whose pages may call the studio (repeatable)")
    p.add_argument("--admin", help="the login that owns the studio (settings, model pulls); default: the first --auth user")
    p.add_argument("--data-dir", type=Path)
    p.add_argument("--models-dir", type=Path)
    p.add_argument("--database-url", help="any URL that peewee's db_url takes (default: SQLite in the data folder)")
    p.add_argument("--memory-budget-gb", type=float, help="RAM for loaded models; least recently used are unloaded")
    p.add_argument("--threads", type=int, help="CPU threads for torch and llama.cpp (0 = all cores)")
    p.add_argument("--heavy-concurrency", type=int, help="model-running jobs at once (default 1)")
    p.add_argument("--queue-size", type=int, help="jobs waiting or running, all users together (default 32)")
    p.add_argument("--max-jobs-per-user", type=int, help="one user's jobs waiting or running at once (default 8)")
    p.add_argument("--max-file-size-mb", type=int)
    p.add_argument("--keep-deleted-hours", type=float, help="how long a deleted image can be restored (default 24)")
    p.add_argument("--temp-max-age-hours", type=float, help="age at which uploads and temp copies are removed (default 6)")
    p.add_argument("--styles-dir", type=Path, help="local folder with the preset paintings")
    p.add_argument("--hub-endpoint", help="Hugging Face hub URL for pulls (default: HF_ENDPOINT or huggingface.co)")
    p.add_argument("--director-url", help="OpenAI-compatible chat server for the art director, e.g. http://127.0.0.1:8080")
    p.add_argument("--broker", dest="broker_url", help="redis://host:port/0 to share jobs with `neurocanvas worker`s")
    p.add_argument("--local-worker", action=argparse.BooleanOptionalAction, default=None,
                   help="run job workers inside the studio (default on; --no-local-worker leaves them to workers)")
    p.add_argument("--worker-process", action=argparse.BooleanOptionalAction, default=None,
                   help="run the studio's job workers in a niced child process (default on; off: in its threads)")
    p.add_argument("--worker-timeout", dest="worker_timeout_s", type=float,
                   help="seconds without a heartbeat before a running job is retried on another worker (default 15)")
    p.add_argument("--precision", choices=PRECISIONS,
                   help="classic style transfer's VGG: auto (bfloat16 only on CPUs with AVX512-BF16 or AMX), float32, bfloat16")
    p.add_argument("--backend", choices=BACKENDS,
                   help="text to image: auto (OpenVINO where the model was exported for it), torch, openvino, "
                        "openvino-int8")
    return p


_ENV = {  # field -> (variable, converter)
    "host": ("NEUROCANVAS_HOST", str),
    "admin": ("NEUROCANVAS_ADMIN", str),
    "port": ("NEUROCANVAS_PORT", int),
    "share": ("NEUROCANVAS_SHARE", _env_bool),
    "data_dir": ("NEUROCANVAS_DATA_DIR", Path),
    "models_dir": ("NEUROCANVAS_MODELS_DIR", Path),
    "database_url": ("DATABASE_URL", str),
    "memory_budget_gb": ("NEUROCANVAS_MEMORY_BUDGET_GB", float),
    "threads": ("NEUROCANVAS_THREADS", int),
    "heavy_concurrency": ("NEUROCANVAS_HEAVY_CONCURRENCY", int),
    "queue_size": ("NEUROCANVAS_QUEUE_SIZE", int),
    "max_jobs_per_user": ("NEUROCANVAS_MAX_JOBS_PER_USER", int),
    "max_file_size_mb": ("NEUROCANVAS_MAX_FILE_SIZE_MB", int),
    "keep_deleted_hours": ("NEUROCANVAS_KEEP_DELETED_HOURS", float),
    "temp_max_age_hours": ("NEUROCANVAS_TEMP_MAX_AGE_HOURS", float),
    "styles_dir": ("NEUROCANVAS_STYLES_DIR", Path),
    "hub_endpoint": ("NEUROCANVAS_HUB_ENDPOINT", str),
    "director_url": ("NEUROCANVAS_DIRECTOR_URL", str),
    "broker_url": ("NEUROCANVAS_BROKER_URL", str),
    "local_worker": ("NEUROCANVAS_LOCAL_WORKER", _env_bool),
    "worker_process": ("NEUROCANVAS_WORKER_PROCESS", _env_bool),
    "worker_timeout_s": ("NEUROCANVAS_WORKER_TIMEOUT", float),
    "precision": ("NEUROCANVAS_PRECISION", str),
    "backend": ("NEUROCANVAS_BACKEND", str),
}


def load_settings(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment, overridden by flags; raises SettingsError with a readable message."""
    settings, rest = load_settings_and_rest(argv, environ)
    if rest:
        build_parser().error(f"unrecognized arguments: {' '.join(rest)}")
    return settings


def load_settings_and_rest(argv: Sequence[str] | None = None,
                           environ: Mapping[str, str] | None = None) -> tuple[Settings, list[str]]:
    """Like load_settings, but hands back the arguments that are not settings (a subcommand's own)."""
    environ = os.environ if environ is None else environ
    values: dict = {}
    for field, (var, convert) in _ENV.items():
        if environ.get(var, "").strip():
            try:
                values[field] = convert(environ[var].strip())
            except ValueError as exc:
                raise SettingsError(f"{var}={environ[var]!r} is not valid: {exc}") from exc
    auth: list[tuple[str, str]] = []
    if environ.get("NEUROCANVAS_AUTH"):
        auth += [parse_auth(x) for x in environ["NEUROCANVAS_AUTH"].split(",") if x.strip()]
    if environ.get("NEUROCANVAS_AUTH_FILE"):
        auth += read_auth_file(Path(environ["NEUROCANVAS_AUTH_FILE"]))

    args, rest = build_parser().parse_known_args(list(argv or []))
    for field in _ENV:
        value = getattr(args, field, None)
        if value is not None:
            values[field] = value
    if args.auth:
        auth += [parse_auth(x) for x in args.auth]
    if args.auth_file:
        auth += read_auth_file(args.auth_file)
    values["auth"] = tuple(auth)
    for field, var in (("allowed_hosts", "NEUROCANVAS_ALLOWED_HOSTS"), ("allowed_origins", "NEUROCANVAS_ALLOWED_ORIGINS")):
        listed = [x.strip() for x in environ.get(var, "").split(",") if x.strip()] + list(getattr(args, field) or [])
        values[field] = tuple(listed)
    return Settings(**values).validate(), rest

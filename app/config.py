"""Settings from the environment (prefix MRK_), read once per process."""

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Worker threads per process for sync handlers and dependencies (Settings.worker_threads).
WORKER_THREADS = 8
# Pooled connections beyond the worker threads: the background loops, SQLite's group-commit
# batch, and a few to spare (see app/db.py).
POOL_MARGIN = 8
# Connections taken outside the requests' session slots (app/db.SessionSlots): the live hub's
# poller, the round settler, the retention purger, the theme runner, the health probe and the
# SQLite write gate's writer (its own session or the commit batch), one each.
BACKGROUND_CONNECTIONS = 6

DATA_DIR = Path("data")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "testserver")


def _secret_key() -> str:
    """A stable key for development: generated once and kept beside the SQLite file.

    Production sets MRK_SECRET_KEY; sessions then survive restarts and scale across workers.
    """
    path = DATA_DIR / ".secret_key"
    if path.exists():
        return path.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MRK_", env_file=".env", extra="ignore", populate_by_name=True
    )

    # MRK_DATABASE_URL, or the DATABASE_URL that hosting platforms conventionally set.
    database_url: str = Field(
        default=f"sqlite:///{DATA_DIR / 'mueang_ruam_kit.db'}",
        validation_alias=AliasChoices("MRK_DATABASE_URL", "DATABASE_URL"),
    )
    secret_key: str = Field(default_factory=_secret_key)
    # Cookies carry the Secure flag unless explicitly turned off for plain-HTTP development.
    cookie_secure: bool = True
    session_max_age_seconds: int = 12 * 60 * 60
    default_locale: str = "th"
    sql_echo: bool = False
    # FastAPI's native OpenTelemetry (spans, metrics, logs to the globally configured
    # providers). Off unless asked for: with no provider set up it still checks the providers
    # on every request, ~6% of /healthz's CPU.
    telemetry: bool = False
    # Pooled connections kept per worker process (see app/db.py); by default the worker
    # threads plus POOL_MARGIN (pool_size below). At least two more than the background
    # connections: the rest are the requests' session slots. PostgreSQL needs max_connections
    # above (this + POOL_OVERFLOW) times the number of workers.
    db_pool_size: int | None = Field(default=None, ge=BACKGROUND_CONNECTIONS + 2, le=500)
    # PostgreSQL: open the pool's connections in the background at startup, so the first
    # burst of requests does not pay for them (see app/db.PoolWarmer).
    db_pool_warm: bool = True
    # Worker threads per process for sync handlers and dependencies (AnyIO's default is 40).
    # Python runs one thread at a time: more threads than cores mostly contend for the GIL, and
    # at 50 ballots in flight 8 threads gave a shorter tail than 40 (README, "Performance").
    worker_threads: int = Field(default=WORKER_THREADS, ge=1, le=500)
    # Where failed-login counters live (the `limits` package's storage URI); memory:// is per
    # process, so with several workers use redis://...
    login_limit_storage: str = "memory://"
    # The address residents reach, e.g. https://plan.nan.go.th: every absolute link (share
    # links, og:image, QR codes, code cards) is built on it, never on the request's Host.
    public_url: str | None = None
    # Host names the app answers (comma list; "*" for any); others get 400. Empty: the public
    # URL's host plus localhost, 127.0.0.1 and testserver.
    allowed_hosts: Annotated[list[str], NoDecode] = []

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "MRK_PUBLIC_URL must be an http(s) address such as https://example.org"
            )
        return value.rstrip("/")

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [host.strip() for host in value.split(",") if host.strip()]
        return value

    def trusted_hosts(self) -> list[str]:
        if self.allowed_hosts:
            return self.allowed_hosts
        public = urlsplit(self.public_url).hostname if self.public_url else None
        return [*([public] if public else []), *LOCAL_HOSTS]

    @property
    def pool_size(self) -> int:
        """Pooled connections per worker process: MRK_DB_POOL_SIZE, else threads + margin."""
        return self.db_pool_size or self.worker_threads + POOL_MARGIN


@lru_cache
def get_settings() -> Settings:
    return Settings()

"""Settings from the environment (prefix MRK_), read once per process."""

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DATA_DIR = Path("data")


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
    # Where failed-login counters live (the `limits` package's storage URI); memory:// is per
    # process, so with several workers use redis://...
    login_limit_storage: str = "memory://"


@lru_cache
def get_settings() -> Settings:
    return Settings()

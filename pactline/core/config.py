"""One typed settings class, read from PACTLINE_* environment variables."""

from __future__ import annotations

import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# A development secret is fine on a laptop but must never sign production cookies.
DEVELOPMENT_SECRET_KEY = "pactline-development-secret-key-change-me"  # noqa: S105


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Pactline's configuration; every field is a PACTLINE_<NAME> environment variable."""

    model_config = SettingsConfigDict(env_prefix="PACTLINE_", extra="ignore", frozen=True)

    env: Environment = Field(Environment.DEVELOPMENT, description="development, test or production")
    data_dir: Path = Field(Path("data"), description="Where the SQLite database and uploads live")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL; defaults to SQLite in data_dir. "
        "PostgreSQL: postgresql+psycopg://user:pass@host:5432/pactline",
    )
    secret_key: str = Field(DEVELOPMENT_SECRET_KEY, description="Signs session cookies")
    admin_password: str | None = Field(
        None, description="Password for the first admin account (generated if unset)"
    )
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(1, ge=1, description="Web server worker processes")
    session_max_age_seconds: int = Field(8 * 3600, ge=60)
    secure_cookies: bool | None = Field(
        None, description="Send cookies only over HTTPS; defaults to on in production"
    )
    login_max_failures: int = Field(5, ge=1, description="Failed logins before a lockout")
    login_lockout_seconds: int = Field(15 * 60, ge=1, description="Window and lockout length")
    log_level: str = "info"

    @model_validator(mode="after")
    def _refuse_insecure_production(self) -> Self:
        if self.env is Environment.PRODUCTION:
            if self.secret_key == DEVELOPMENT_SECRET_KEY or len(self.secret_key) < 32:
                raise ValueError(
                    "PACTLINE_SECRET_KEY must be set to a random value of at least 32 characters "
                    "in production (python -c 'import secrets; print(secrets.token_urlsafe(48))')"
                )
            if self.admin_password is not None and len(self.admin_password) < 12:
                raise ValueError("PACTLINE_ADMIN_PASSWORD must be at least 12 characters")
        return self

    @property
    def effective_database_url(self) -> str:
        """The configured database URL, or the default SQLite file under data_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'pactline.sqlite3').resolve()}"

    @property
    def cookies_secure(self) -> bool:
        """Whether session cookies carry the Secure flag."""
        if self.secure_cookies is not None:
            return self.secure_cookies
        return self.env is Environment.PRODUCTION

    @property
    def uploads_dir(self) -> Path:
        """Where uploaded documents are stored."""
        return self.data_dir / "uploads"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()


def generate_password() -> str:
    """A random password a person can type: 20 URL-safe characters."""
    return secrets.token_urlsafe(15)

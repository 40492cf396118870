from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from pactline.core.config import Environment, Settings


def test_production_refuses_the_development_secret_key() -> None:
    with pytest.raises(ValidationError, match="PACTLINE_SECRET_KEY"):
        Settings(env=Environment.PRODUCTION)


def test_production_refuses_a_short_secret_key() -> None:
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(env=Environment.PRODUCTION, secret_key="short")


def test_production_with_a_real_secret_sends_secure_cookies() -> None:
    settings = Settings(env=Environment.PRODUCTION, secret_key="x" * 48)
    assert settings.cookies_secure


def test_development_defaults_to_sqlite_in_the_data_directory(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'pactline.sqlite3'}"
    assert not settings.cookies_secure


def test_settings_are_read_from_pactline_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PACTLINE_DATABASE_URL", "postgresql://db/pactline")
    monkeypatch.setenv("PACTLINE_PORT", "9000")
    settings = Settings()
    assert settings.effective_database_url == "postgresql://db/pactline"
    assert settings.port == 9000

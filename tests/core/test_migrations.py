from __future__ import annotations

from sqlalchemy import Engine

from pactline.core import migrate


def test_the_test_database_is_at_the_newest_migration(engine: Engine) -> None:
    assert migrate.current_revision(engine) == migrate.head_revision(engine)


def test_the_models_match_the_migrations_with_no_drift(engine: Engine) -> None:
    # alembic check: raises if autogenerate would produce any operation.
    migrate.check(engine)


def test_upgrading_twice_changes_nothing(engine: Engine) -> None:
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision(engine)

"""Database engine, sessions and column types shared by every area.

SQLite is the default (a file under the data directory); PostgreSQL is one environment variable
away. Both get the same behaviour: foreign keys enforced, lossless decimals, tz-aware timestamps.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Dialect,
    Engine,
    MetaData,
    Numeric,
    create_engine,
    event,
    make_url,
    text,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from pactline.core.errors import ConfigurationError

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every ORM model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# SQLite's INTEGER is a signed 64-bit value.
_SQLITE_MAX_INT = 2**63 - 1


class DecimalType(TypeDecorator[Decimal]):
    """A Decimal column that never loses a digit silently, on SQLite and PostgreSQL alike.

    SQLite has no exact decimal type (REAL is a float, and TEXT sorts and sums wrongly), so values
    are stored there as integers scaled by 10**scale: exact, sortable, and SUM() stays exact.
    PostgreSQL stores NUMERIC(38, scale). A value with more decimal places than `scale` is refused
    rather than rounded: rounding is a business decision made in engine/money.py, not here.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, scale: int = 6) -> None:
        super().__init__()
        self.scale = scale

    def __repr__(self) -> str:
        # Migrations render the type from its repr; the scale must survive.
        return f"{type(self).__name__}(scale={self.scale})"

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(precision=38, scale=self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, float | bool):
            raise TypeError(f"refusing to store {type(value).__name__} {value!r} as a Decimal")
        number = value if isinstance(value, Decimal) else Decimal(value)
        if not number.is_finite():
            raise ValueError(f"refusing to store non-finite decimal {number}")
        scaled = number.scaleb(self.scale)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{number} has more than {self.scale} decimal places")
        if dialect.name == "sqlite":
            as_int = int(scaled)
            if abs(as_int) > _SQLITE_MAX_INT:
                raise ValueError(f"{number} is too large to store")
            return as_int
        if abs(scaled) >= Decimal(10) ** 38:
            raise ValueError(f"{number} is too large to store")
        return number

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.scale)
        return Decimal(value)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on both databases (SQLite keeps no zone, so we add it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"timestamps must be timezone-aware datetimes, got {value!r}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _configure_sqlite(engine: Engine, *, file_backed: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling breaks SAVEPOINT; we emit BEGIN ourselves below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 10000")
        if file_backed:
            # WAL lets readers proceed while one writer commits.
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine configured for Pactline's rules on SQLite or PostgreSQL."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        file_backed = database not in ("", ":memory:") and not database.startswith("file::memory")
        if file_backed:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 10}, **kwargs
        )
        _configure_sqlite(engine, file_backed=file_backed)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def describe_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    return make_url(normalise_url(url)).render_as_string(hide_password=True)


def check_connection(engine: Engine) -> None:
    """Raise one clear ConfigurationError if the database cannot be reached."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise ConfigurationError(
            f"cannot reach the database at {describe_url(str(engine.url))}: {reason}"
        ) from None


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url, **engine_kwargs)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> Session:
        """A new session; the caller closes it (prefer session_scope)."""
        return self.sessionmaker()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that rolls back on error and always closes; use cases commit themselves."""
    session = factory()
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()

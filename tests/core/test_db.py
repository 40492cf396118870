from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Connection, Integer, MetaData, Table, insert, select, text
from sqlalchemy.exc import StatementError

from pactline.core.db import DecimalType, UTCDateTime, describe_url, normalise_url

metadata = MetaData()
probe = Table(
    "decimal_probe",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("amount", DecimalType(scale=6)),
    Column("at", UTCDateTime()),
)


@pytest.fixture
def probe_table(connection: Connection) -> Connection:
    # Created inside the test's transaction: rolled back with it on both databases.
    metadata.create_all(connection)
    return connection


decimals = st.decimals(
    min_value=Decimal("-999999999999.999999"),
    max_value=Decimal("999999999999.999999"),
    places=6,
    allow_nan=False,
    allow_infinity=False,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=decimals)
def test_a_decimal_comes_back_from_the_database_exactly_as_stored(
    probe_table: Connection, value: Decimal
) -> None:
    row_id = probe_table.execute(insert(probe).values(amount=value)).inserted_primary_key[0]
    stored = probe_table.scalar(select(probe.c.amount).where(probe.c.id == row_id))
    assert stored == value
    assert isinstance(stored, Decimal)


def test_sums_of_decimals_are_exact_in_sql(probe_table: Connection) -> None:
    probe_table.execute(insert(probe), [{"amount": Decimal("0.1")} for _ in range(10)])
    from sqlalchemy import func

    assert probe_table.scalar(select(func.sum(probe.c.amount))) == Decimal("1")


def test_decimals_sort_numerically(probe_table: Connection) -> None:
    values = [Decimal("10"), Decimal("9.5"), Decimal("-2"), Decimal("100.000001")]
    probe_table.execute(insert(probe), [{"amount": v} for v in values])
    ordered = probe_table.scalars(select(probe.c.amount).order_by(probe.c.amount)).all()
    assert ordered == sorted(values)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0.1, "refusing to store float"),
        (Decimal("1.0000001"), "more than 6 decimal places"),
        (Decimal("NaN"), "non-finite"),
    ],
)
def test_a_value_that_would_lose_precision_is_refused(
    probe_table: Connection, value: object, message: str
) -> None:
    with pytest.raises(StatementError, match=message):
        probe_table.execute(insert(probe).values(amount=value))


def test_timestamps_come_back_timezone_aware_in_utc(probe_table: Connection) -> None:
    moment = datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=2)))
    probe_table.execute(insert(probe).values(at=moment))
    stored = probe_table.scalar(select(probe.c.at))
    assert stored == moment
    assert stored.tzinfo == UTC


def test_naive_timestamps_are_refused(probe_table: Connection) -> None:
    with pytest.raises(StatementError, match="timezone-aware"):
        probe_table.execute(insert(probe).values(at=datetime(2026, 1, 1)))


def test_sqlite_enforces_foreign_keys_and_uses_wal(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        pytest.skip("SQLite-specific pragmas")
    assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


def test_a_rolled_back_savepoint_keeps_the_outer_transaction(probe_table: Connection) -> None:
    probe_table.execute(insert(probe).values(amount=Decimal("1")))
    nested = probe_table.begin_nested()
    probe_table.execute(insert(probe).values(amount=Decimal("2")))
    nested.rollback()
    assert probe_table.scalars(select(probe.c.amount)).all() == [Decimal("1")]
    assert probe_table.execute(text("SELECT 1")).scalar() == 1


def test_plain_postgresql_urls_use_psycopg_3() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_passwords_are_hidden_when_a_url_is_shown() -> None:
    assert "secret" not in describe_url("postgresql://u:secret@h/db")

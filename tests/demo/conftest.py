"""The demo loaded once per test module, for tests that only read it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from pactline.demo import invoices as demo_invoices
from pactline.demo import loader
from tests.demo.support import ACTOR, AS_OF, LoadedDemo


@pytest.fixture(scope="module")
def demo(engine: Engine) -> Iterator[LoadedDemo]:
    """The demo loaded on AS_OF, with what its invoicing step planted, in a transaction rolled
    back after the module. Use it only in modules whose tests all just read: another test
    writing meanwhile would wait on its transaction."""
    captured: list[demo_invoices.InvoicingLoaded] = []

    def capture(*args: Any, **kwargs: Any) -> demo_invoices.InvoicingLoaded:
        captured.append(demo_invoices.stage_invoicing(*args, **kwargs))
        return captured[-1]

    with engine.connect() as connection:
        transaction = connection.begin()
        session = Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(loader, "stage_invoicing", capture)
                summary = loader.load_demo(session, actor=ACTOR, as_of=AS_OF)
            yield LoadedDemo(session, summary, captured[0].planted)
        finally:
            session.close()
            transaction.rollback()

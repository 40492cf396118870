"""Shared fixtures: a real database (SQLite, or PostgreSQL via PACTLINE_TEST_DATABASE_URL),
one rolled-back transaction per test, and clients for the API and the web UI."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from pactline.app import create_app
from pactline.core import migrate
from pactline.core.config import Environment, Settings
from pactline.core.db import Database, make_engine
from pactline.users import passwords, service
from pactline.users.enums import Role
from pactline.users.models import User
from pactline.users.principal import Principal
from pactline.users.schemas import TokenCreate, UserCreate

passwords.use_fast_hashing()

TEST_PASSWORD = "correct horse battery"
TEST_SECRET = "test-secret-key-that-is-long-enough-to-be-real-0123456789"


def pytest_report_header() -> str:
    url = os.environ.get("PACTLINE_TEST_DATABASE_URL")
    return f"pactline test database: {url or 'SQLite (temporary file)'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """PACTLINE_TEST_DATABASE_URL, or a fresh SQLite file for this run."""
    url = os.environ.get("PACTLINE_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'pactline-test.sqlite3'}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """The test database, migrated to head once per run."""
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            yield conn
        finally:
            transaction.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    """Sessions bound to the test's transaction: their commits only release savepoints."""
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for service tests; code under test may commit."""
    s = session_factory()
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        env=Environment.TEST,
        database_url=database_url,
        data_dir=tmp_path,
        secret_key=TEST_SECRET,
        login_max_failures=3,
        login_lockout_seconds=600,
    )


class _TestDatabase(Database):
    """A Database whose sessions join the test's transaction."""

    def __init__(self, engine: Engine, factory: sessionmaker[Session]) -> None:
        self.url = str(engine.url)
        self.engine = engine
        self.sessionmaker = factory

    def dispose(self) -> None:  # the session-wide engine outlives each app
        pass


@pytest.fixture
def app(settings: Settings, engine: Engine, session_factory: sessionmaker[Session]) -> FastAPI:
    return create_app(settings, _TestDatabase(engine, session_factory))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An anonymous client."""
    with TestClient(app) as c:
        yield c


MakeUser = Callable[..., User]


@pytest.fixture
def make_user(session: Session) -> MakeUser:
    """Create a user with a role and the test password."""
    counter = {"n": 0}

    def _make(role: Role = Role.VIEWER, username: str | None = None, **kwargs: object) -> User:
        counter["n"] += 1
        name = username or f"{role.value}{counter['n']}"
        user, _ = service.create_user(
            session,
            actor=Principal.system("test"),
            data=UserCreate(username=name, role=role, password=TEST_PASSWORD, **kwargs),  # type: ignore[arg-type]
        )
        return user

    return _make


@pytest.fixture
def admin(make_user: MakeUser) -> User:
    return make_user(Role.ADMIN, username="root")


def token_for(session: Session, user: User) -> str:
    """A fresh API token for the user."""
    _, secret = service.create_token(
        session, actor=Principal.of(user), user_id=user.id, data=TokenCreate(name="tests")
    )
    return secret


ApiClient = Callable[[User], TestClient]


@pytest.fixture
def api_as(app: FastAPI, session: Session) -> Iterator[ApiClient]:
    """A client that sends a bearer token of the given user."""
    clients: list[TestClient] = []

    def _as(user: User) -> TestClient:
        c = TestClient(app)
        c.headers["Authorization"] = f"Bearer {token_for(session, user)}"
        clients.append(c)
        return c

    yield _as
    for c in clients:
        c.close()


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token embedded in a page."""
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def web_login(client: TestClient, username: str, password: str = TEST_PASSWORD) -> None:
    """Sign in through the login form like a browser would."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


WebClient = Callable[[User], TestClient]


@pytest.fixture
def web_as(app: FastAPI) -> Iterator[WebClient]:
    """A browser-like client signed in as the given user."""
    clients: list[TestClient] = []

    def _as(user: User) -> TestClient:
        c = TestClient(app)
        web_login(c, user.username)
        clients.append(c)
        return c

    yield _as
    for c in clients:
        c.close()

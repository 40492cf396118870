"""A real server on a free port and a real Chromium (Debian's /usr/bin/chromium) driven by
Playwright. The server uses its own SQLite file, since it commits for real."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy.orm import Session

from pactline.app import create_app
from pactline.core import migrate
from pactline.core.config import Environment, Settings
from pactline.core.db import Database, session_scope
from pactline.demo import loader
from pactline.users import service
from pactline.users.principal import Principal
from tests.conftest import TEST_SECRET

CHROMIUM = os.environ.get("PACTLINE_CHROMIUM", "/usr/bin/chromium")
ADMIN_PASSWORD = "browser test password"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(data_dir: Path, seed: Callable[[Session], object]) -> Iterator[str]:
    """A server on a free port over a fresh SQLite file in ``data_dir``, with the admin and
    whatever ``seed`` adds (committed); yields its base URL."""
    settings = Settings(env=Environment.TEST, data_dir=data_dir, secret_key=TEST_SECRET)
    database = Database(settings.effective_database_url)
    migrate.upgrade(database.engine)
    with session_scope(database.sessionmaker) as session:
        service.ensure_admin(session, password=ADMIN_PASSWORD)
        seed(session)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, database), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        database.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server with the demo portfolio."""
    with serving(
        tmp_path_factory.mktemp("e2e"),
        lambda session: loader.load_demo(session, actor=Principal.system("e2e")),
    ) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; CI must install Debian's chromium")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, viewport={"width": 1360, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS

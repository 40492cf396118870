"""Request-scoped dependencies shared by the API and the web UI."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from pactline.core.config import Settings


def get_session(request: Request) -> Iterator[Session]:
    """A session for one request. Use cases commit; this only closes (never commits)."""
    session: Session = request.app.state.db.session()
    try:
        yield session
    finally:
        session.close()


def get_settings(request: Request) -> Settings:
    """The running application's settings."""
    settings: Settings = request.app.state.settings
    return settings


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

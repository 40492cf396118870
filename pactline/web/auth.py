"""Web sign-in state and CSRF protection.

The session lives in a signed cookie (Starlette's SessionMiddleware). It carries the user id and
the user's session_version, so a password reset or deactivation ends every session at once.
Every state-changing request must echo the session's CSRF token, as a form field or header.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from pactline.core.errors import PactlineError
from pactline.core.http import get_session
from pactline.users.models import User
from pactline.users.principal import Principal

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class LoginRequired(Exception):
    """Raised for a web request without a valid session; answered with a redirect to /login."""


class CsrfFailed(PactlineError):
    code = "csrf_failed"
    http_status = 403


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


async def csrf_protect(request: Request) -> None:
    """Refuse a state-changing request that does not carry the session's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not secrets.compare_digest(str(expected), sent):
        raise CsrfFailed(
            "the form has expired or did not come from this site; reload the page and try again"
        )


def sign_in(request: Request, user: User) -> None:
    """Start a fresh session for the user (a new CSRF token too, against session fixation)."""
    request.session.clear()
    request.session["uid"] = user.id
    request.session["sv"] = user.session_version
    request.session["csrf"] = secrets.token_urlsafe(32)


def sign_out(request: Request) -> None:
    """End the session."""
    request.session.clear()


def optional_user(
    request: Request, session: Annotated[Session, Depends(get_session)]
) -> User | None:
    """The signed-in user, or None."""
    uid = request.session.get("uid")
    if not isinstance(uid, int):
        return None
    user = session.get(User, uid)
    if user is None or not user.is_active or user.session_version != request.session.get("sv"):
        request.session.clear()
        return None
    request.state.user = user
    return user


def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    """The signed-in user; otherwise the request is redirected to the sign-in page."""
    if user is None:
        raise LoginRequired()
    return user


def current_principal(user: Annotated[User, Depends(current_user)]) -> Principal:
    """The signed-in user as a service-layer principal."""
    return Principal.of(user)


WebUser = Annotated[User, Depends(current_user)]
WebPrincipal = Annotated[Principal, Depends(current_principal)]


def load_user_for_page(request: Request) -> None:
    """Put the signed-in user on request.state for pages rendered outside a route (errors)."""
    if getattr(request.state, "user", None) is not None or "session" not in request.scope:
        return
    uid = request.session.get("uid")
    if not isinstance(uid, int):
        return
    session: Session = request.app.state.db.session()
    try:
        user = session.get(User, uid)
        if (
            user is not None
            and user.is_active
            and user.session_version == request.session.get("sv")
        ):
            request.state.user = user
    finally:
        session.close()

"""iCalendar feeds of key dates, and the account page that issues their addresses.

Calendar apps fetch a subscribed feed on their own, without cookies or headers, so the feed
URL carries its own secret: `/calendar/cal_….ics`. Only a hash of the secret is stored; it is
shown once, when issued, and issuing a new one makes the old address stop working.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.responses import PlainTextResponse, Response

from pactline.contracts import queries
from pactline.contracts.calendar import build_calendar
from pactline.contracts.models import Contract
from pactline.core import clock
from pactline.core.http import SessionDep, SettingsDep
from pactline.users import service as users_service
from pactline.users.enums import Permission
from pactline.users.models import User
from pactline.users.principal import Principal
from pactline.web.auth import WebPrincipal, WebUser, csrf_protect
from pactline.web.templating import render

# Public router: the feed URL carries its own secret (calendar apps send no cookies).
public = APIRouter()
# Pages and downloads for the signed-in user.
router = APIRouter(dependencies=[Depends(csrf_protect)])

MEDIA_TYPE = "text/calendar; charset=utf-8"
FEED_CACHE = "private, max-age=900"
TOKEN_PREFIX = "cal_"  # noqa: S105 - the prefix every feed secret starts with, not a secret
_CONTRACT_ID = re.compile(r"[0-9]{1,18}")
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def _not_found() -> Response:
    """The same answer for every bad feed address: no hint whether the secret ever existed."""
    return PlainTextResponse("Not found\n", status_code=404, headers={"Cache-Control": "no-store"})


def _feed_owner(session: Session, token: str) -> User | None:
    """The active user whose feed URL carries this secret, if they may read the portfolio."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    user = users_service.find_user_by_calendar_token(session, token)
    if user is None or not Principal.of(user).can(Permission.PORTFOLIO_READ):
        return None
    return user


def _filename(contract: Contract) -> str:
    """A safe file name for a contract's calendar (references may contain '/')."""
    return _UNSAFE_FILENAME.sub("-", contract.reference).strip("-.") or f"contract-{contract.id}"


def _ics(body: bytes, *, filename: str, attachment: bool) -> Response:
    disposition = "attachment" if attachment else "inline"
    return Response(
        content=body,
        media_type=MEDIA_TYPE,
        headers={
            "Content-Disposition": f"{disposition}; filename={filename}",
            "Cache-Control": FEED_CACHE,
            "X-Robots-Tag": "noindex",
        },
    )


@public.get("/calendar/{token}.ics")
def user_feed(session: SessionDep, token: str, scope: str | None = None) -> Response:
    """The feed of a user's contracts, or with ?scope=all of the whole portfolio."""
    user = _feed_owner(session, token)
    if user is None:
        return _not_found()
    if scope == "all":
        contracts = queries.all_contracts(session)
        name = "Pactline: all contracts"
    else:
        contracts = queries.contracts_owned_by(session, user.id)
        name = f"Pactline: {user.display_name}'s contracts"
    body = build_calendar(contracts, clock.today(), name=name)
    return _ics(body, filename="pactline.ics", attachment=False)


@public.get("/calendar/{token}/contracts/{contract_id}.ics")
def contract_feed(session: SessionDep, token: str, contract_id: str) -> Response:
    """The feed of one contract's key dates."""
    user = _feed_owner(session, token)
    if user is None or not _CONTRACT_ID.fullmatch(contract_id):
        return _not_found()
    contract = session.get(Contract, int(contract_id))
    if contract is None:
        return _not_found()
    body = build_calendar([contract], clock.today(), name=f"Pactline: {contract.reference}")
    return _ics(body, filename=f"{_filename(contract)}.ics", attachment=False)


@router.get("/contracts/{contract_id}/calendar.ics")
def contract_download(session: SessionDep, principal: WebPrincipal, contract_id: int) -> Response:
    """One contract's key dates as a file to import into a calendar."""
    principal.require(Permission.PORTFOLIO_READ)
    contract = queries.get_contract(session, contract_id)
    body = build_calendar([contract], clock.today(), name=f"Pactline: {contract.reference}")
    return _ics(body, filename=f"{_filename(contract)}.ics", attachment=True)


def _base_url(request: Request, secure: bool) -> str:
    """This site's address as calendar apps will reach it (https when served over TLS)."""
    base = str(request.base_url).rstrip("/")
    if secure and base.startswith("http://"):
        base = "https://" + base.removeprefix("http://")
    return base


def _feed_page(request: Request, user: User, secure: bool, token: str | None) -> dict[str, Any]:
    base = _base_url(request, secure)
    context: dict[str, Any] = {
        "has_feed": user.calendar_token_hash is not None or token is not None,
        "urls": None,
    }
    if token is not None:
        mine = f"{base}/calendar/{token}.ics"
        context["urls"] = {
            "mine": mine,
            "all": f"{mine}?scope=all",
            "contract": f"{base}/calendar/{token}/contracts/ID.ics",
            "webcal": "webcal://" + mine.split("://", 1)[1],
        }
    return context


@router.get("/account/calendar")
def calendar_page(request: Request, settings: SettingsDep, user: WebUser) -> Response:
    return render(
        request,
        "account/calendar.html",
        _feed_page(request, user, settings.cookies_secure, None),
        active="account",
    )


@router.post("/account/calendar")
def reset_calendar(
    request: Request, session: SessionDep, settings: SettingsDep, user: WebUser
) -> Response:
    token = users_service.reset_calendar_token(session, actor=Principal.of(user))
    response = render(
        request,
        "account/calendar.html",
        _feed_page(request, user, settings.cookies_secure, token),
        active="account",
    )
    response.headers["Cache-Control"] = "no-store"  # the page shows the secret
    return response

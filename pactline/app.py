"""The ASGI application: the JSON API and the web UI over one service layer."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pactline import __version__
from pactline.api import errors as api_errors
from pactline.api.router import API_PREFIX, build_router
from pactline.core.config import Settings, get_settings
from pactline.core.db import Database
from pactline.core.errors import PactlineError
from pactline.web import calendar as web_calendar
from pactline.web import commercials as web_commercials
from pactline.web import contracts as web_contracts
from pactline.web import disputes as web_disputes
from pactline.web import invoices as web_invoices
from pactline.web import routes as web_routes
from pactline.web import service_levels as web_service_levels
from pactline.web.auth import LoginRequired, load_user_for_page
from pactline.web.templating import render

STATIC_DIR = Path(__file__).resolve().parent / "web" / "static"

# The UI loads nothing from elsewhere; the API docs page loads Swagger UI from its CDN.
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


class SecurityHeaders:
    """Adds conservative security headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"same-origin"))
                headers.append((b"x-frame-options", b"DENY"))
                if not path.startswith("/api/docs"):
                    headers.append((b"content-security-policy", PAGE_CSP.encode()))
            await send(message)

        await self.app(scope, receive, add_headers)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _html_error(request: Request, status: int, title: str, message: str) -> Response:
    load_user_for_page(request)
    return render(
        request,
        "error.html",
        {"status_code": status, "title": title, "message": message},
        status_code=status,
    )


_TITLES = {
    400: "Bad request",
    401: "Sign-in required",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed here",
    409: "Conflict",
    422: "Check your input",
    429: "Too many attempts",
}


def install_error_handlers(app: FastAPI) -> None:
    """JSON errors under /api, HTML pages elsewhere."""

    @app.exception_handler(PactlineError)
    async def _domain(request: Request, exc: PactlineError) -> Response:
        if _is_api(request):
            return api_errors.domain_error(exc)
        return _html_error(
            request,
            exc.http_status,
            _TITLES.get(exc.http_status, "Error"),
            exc.message[:1].upper() + exc.message[1:] + ".",
        )

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        if _is_api(request):
            return api_errors.http_error(exc)
        message = {
            404: "There is no page at this address.",
            405: "This address does not accept that kind of request.",
        }.get(exc.status_code, str(exc.detail))
        return _html_error(request, exc.status_code, _TITLES.get(exc.status_code, "Error"), message)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return api_errors.validation_error(exc)
        return _html_error(request, 422, _TITLES[422], "Some of the submitted values are invalid.")

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        location = "/login" if target == "/" else f"/login?next={quote(target)}"
        if request.headers.get("HX-Request"):
            return Response(status_code=401, headers={"HX-Redirect": location})
        if request.method not in ("GET", "HEAD"):
            return _html_error(request, 401, _TITLES[401], "Your session has ended; sign in again.")
        return RedirectResponse(location, status_code=303)


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Build the application for the given settings (read from the environment by default)."""
    settings = settings or get_settings()
    database = database or Database(settings.effective_database_url)
    app = FastAPI(
        title="Pactline API",
        version=__version__,
        description="Contract relationship management: contracts, service levels, commercials, "
        "invoices and governance after signature. Authenticate with a personal API token "
        "(`Authorization: Bearer pl_…`). Errors are `{code, message, details}`; lists take "
        "`limit` and `offset` and answer `{items, total, limit, offset}`.",
        docs_url="/api/docs",
        swagger_ui_oauth2_redirect_url="/api/docs/oauth2-redirect",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.db = database
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="pactline_session",
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=settings.cookies_secure,
    )
    app.add_middleware(SecurityHeaders)
    install_error_handlers(app)
    app.include_router(build_router())
    app.include_router(web_routes.public, include_in_schema=False)
    app.include_router(web_calendar.public, include_in_schema=False)
    app.include_router(web_calendar.router, include_in_schema=False)
    app.include_router(web_routes.protected, include_in_schema=False)
    app.include_router(web_contracts.router, include_in_schema=False)
    app.include_router(web_service_levels.router, include_in_schema=False)
    app.include_router(web_commercials.router, include_in_schema=False)
    app.include_router(web_invoices.router, include_in_schema=False)
    app.include_router(web_disputes.router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return RedirectResponse("/static/favicon.svg", status_code=301)

    return app


def app_factory() -> FastAPI:
    """Entry point for `uvicorn --factory pactline.app:app_factory` (used by pactline serve)."""
    return create_app()


__all__: list[Any] = ["API_PREFIX", "create_app"]

"""Enumerate the application's routes, so tests can prove every one is protected."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

# Routes anyone may reach: sign-in, health, static files, API docs.
PUBLIC = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("GET", "/api/v1/health"),
    ("GET", "/api/docs"),
    ("GET", "/api/docs/oauth2-redirect"),
    ("GET", "/api/openapi.json"),
    ("GET", "/favicon.ico"),
    # Calendar feeds: calendar apps send no cookies, so the secret in the URL is the credential
    # (an unknown or reset secret answers 404; tests/web/test_calendar.py checks it).
    ("GET", "/calendar/{token}.ics"),
    ("GET", "/calendar/{token}/contracts/{contract_id}.ics"),
}


@dataclass(frozen=True)
class Route:
    method: str
    path: str

    def example_url(self) -> str:
        """The path with every {parameter} filled with 1."""
        return re.sub(r"\{[^}]+\}", "1", self.path)


def all_routes(app: FastAPI) -> list[Route]:
    """Every (method, path) the app serves, static mount excluded."""
    routes = []
    for context in iter_route_contexts(app.routes):
        methods = context.methods or set()
        path = context.path
        if path is None or path.startswith("/static"):
            continue
        routes.extend(Route(m, path) for m in sorted(methods) if m != "HEAD")
    return routes


def protected_routes(app: FastAPI) -> list[Route]:
    return [r for r in all_routes(app) if (r.method, r.path) not in PUBLIC]

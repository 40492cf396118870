"""What every page with a form shares: HTMX partials, error problems and field messages."""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from fastapi import Request, UploadFile
from pydantic import ValidationError
from starlette.responses import Response

from pactline.core.errors import PactlineError, ValidationFailed


def is_partial(request: Request) -> bool:
    """An HTMX request for a block of the page (a history restore wants the whole page)."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get(
        "HX-History-Restore-Request"
    )


def vary(response: Response) -> Response:
    """Mark a response that differs for HTMX requests."""
    # The same URL answers a whole page or an HTMX block: caches must keep them apart.
    response.headers["Vary"] = "HX-Request"
    return response


def capitalised(message: str) -> str:
    """A message as the start of a sentence."""
    return message[:1].upper() + message[1:]


def problems(exc: PactlineError) -> list[dict[str, Any]]:
    """The problems an error lists, each with file, line (terms) or row (tables), field and
    message; an error without a list is one problem."""
    if isinstance(exc.details, list) and exc.details:
        return [
            {
                "file": d.get("file"),
                "line": d.get("line"),
                "row": d.get("row"),
                "field": d.get("field") or "",
                "message": d.get("message") or "",
            }
            for d in exc.details
            if isinstance(d, dict)
        ]
    return [{"file": None, "line": None, "row": None, "field": "", "message": exc.message}]


def model_errors(exc: ValidationError) -> dict[str, str]:
    """Per-field messages of a Pydantic error, for a form."""
    fields: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        fields.setdefault(name, error["msg"].removeprefix("Value error, "))
    return fields


def upload(file: UploadFile | None, limit: int) -> tuple[str, bytes]:
    """The chosen file's name and content, read up to one byte past ``limit`` so the service
    can refuse a file that is too large; the browser sends an empty part for no file."""
    if file is None:
        return "", b""
    return PurePath(file.filename or "").name, file.file.read(limit + 1)


def no_file(what: str = "a CSV or XLSX file") -> ValidationFailed:
    """The error of an import form sent without a file."""
    return ValidationFailed(
        f"choose {what}",
        details=[
            {"file": None, "row": None, "field": "file", "message": f"choose {what} to import"}
        ],
    )


def attachment(filename: str) -> str:
    """A Content-Disposition header that downloads under `filename` in every browser."""
    plain = re.sub(r"[^A-Za-z0-9._()+-]+", "_", filename).strip("_") or "download"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename)}"

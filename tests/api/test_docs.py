from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_the_api_document_lists_every_route_and_no_other(app: FastAPI) -> None:
    spec = app.openapi()
    served = {
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        for method in operations
    }
    documented = set(re.findall(r"^\| `([A-Z]+ /api/v1/[^`]*)` \|", DOC.read_text(), re.M))
    assert documented == served

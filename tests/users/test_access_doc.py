"""docs/access.md is the specification of roles: it must match the code exactly."""

from __future__ import annotations

import re
from pathlib import Path

from pactline.users.enums import ROLE_PERMISSIONS, Permission, Role

DOC = Path(__file__).resolve().parents[2] / "docs" / "access.md"


def documented_table() -> dict[Role, set[Permission]]:
    lines = [line for line in DOC.read_text().splitlines() if line.startswith("| `")]
    header = next(
        line for line in DOC.read_text().splitlines() if line.startswith("| Permission |")
    )
    roles = [Role(c.strip()) for c in header.strip("|").split("|")[2:]]
    table: dict[Role, set[Permission]] = {r: set() for r in roles}
    for line in lines:
        cells = [c.strip() for c in line.strip("|").split("|")]
        match = re.fullmatch(r"`([a-z_.]+)`", cells[0])
        if not match or match.group(1) not in {p.value for p in Permission}:
            continue
        for role, mark in zip(roles, cells[2:], strict=True):
            if mark == "✓":
                table[role].add(Permission(match.group(1)))
    return table


def test_the_access_document_lists_every_role_and_permission() -> None:
    table = documented_table()
    assert set(table) == set(Role)
    text = DOC.read_text()
    for permission in Permission:
        assert f"| `{permission.value}` |" in text


def test_the_access_document_grants_exactly_what_the_code_grants() -> None:
    assert documented_table() == {role: set(perms) for role, perms in ROLE_PERMISSIONS.items()}

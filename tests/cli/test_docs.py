from __future__ import annotations

from pathlib import Path

import typer

from pactline.cli.main import app

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def commands(typer_app: typer.Typer, prefix: str = "pactline") -> list[str]:
    names = []
    for command in typer_app.registered_commands:
        name = command.name or (command.callback.__name__ if command.callback else "")
        names.append(f"{prefix} {name.replace('_', '-')}")
    for group in typer_app.registered_groups:
        assert group.typer_instance is not None
        names.extend(commands(group.typer_instance, f"{prefix} {group.name}"))
    return names


def test_the_cli_document_lists_every_command() -> None:
    text = DOC.read_text()
    listed = commands(app)
    assert len(listed) >= 10
    for name in listed:
        assert f"`{name}" in text, name

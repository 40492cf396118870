"""``pactline terms``: validate terms files and export the terms JSON Schema."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import typer
from rich.console import Console
from rich.text import Text

from pactline.cli.common import new_app
from pactline.terms import TermsError, TermsIssue, load_terms, load_terms_file
from pactline.terms.jsonschema import terms_json_schema_text

app = new_app(
    "Work with contract terms files (YAML or JSON): check them against the terms "
    "language and export its JSON Schema."
)

STDIN_NAME = "-"


@dataclass(frozen=True)
class _Result:
    file: str
    issues: list[TermsIssue] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.issues


def _console() -> Console:
    # Soft wrap keeps every report on one line however narrow the terminal, so it greps.
    return Console(soft_wrap=True, highlight=False)


@app.command("schema")
def schema_command(
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="Write the schema to this file instead of printing it.",
        dir_okay=False,
    ),
) -> None:
    """Print the JSON Schema (draft 2020-12) of a terms document."""
    text = terms_json_schema_text()
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    _console().print(Text(f"✓ wrote the terms JSON Schema to {output}", style="green"))


@app.command("validate")
def validate_command(
    files: list[Path] = typer.Argument(
        ...,
        help="Terms files to check (.yaml, .yml or .json); - reads standard input.",
        metavar="FILE",
    ),
    as_json: bool = typer.Option(
        False,
        "--json",
        help="Print the results as a JSON list instead of lines.",
    ),
) -> None:
    """Check terms files; report every problem as `file: path: message (line N)`.

    Exits 1 if any file is invalid.
    """
    results = [_check(path) for path in files]
    if as_json:
        payload = [
            {
                "file": result.file,
                "valid": result.valid,
                "issues": [issue.to_dict() for issue in result.issues],
            }
            for result in results
        ]
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        _print_results(results)
    if not all(result.valid for result in results):
        raise typer.Exit(code=1)


def _check(path: Path) -> _Result:
    name = str(path)
    try:
        if name == STDIN_NAME:
            load_terms(sys.stdin.read(), source="<stdin>")
            return _Result("<stdin>")
        load_terms_file(path)
    except TermsError as error:
        return _Result(error.source if name == STDIN_NAME else name, error.issues)
    return _Result(name)


def _print_results(results: list[_Result]) -> None:
    console = _console()
    for result in results:
        if result.valid:
            console.print(Text(f"✓ {result.file}: valid", style="green"))
            continue
        for issue in result.issues:
            console.print(Text(issue.format(with_source=True), style="red"))
    if len(results) > 1:
        invalid = sum(not result.valid for result in results)
        summary = f"{len(results) - invalid} valid, {invalid} invalid"
        console.print(Text(summary, style="bold red" if invalid else "bold green"))

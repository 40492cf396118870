"""docs/terms-format.md documents exactly the fields the schema has, and its examples work."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pactline.terms import TermsDocument, load_terms, load_terms_file, terms_json_schema
from pactline.terms.jsonschema import field_reference_markdown

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "docs" / "terms-format.md").read_text(encoding="utf-8")
START, END = "<!-- field-reference:start -->\n", "<!-- field-reference:end -->"
PATH = re.compile(r"^[a-z_]+(\[\])?(\.[a-z_]+(\[\])?)*$")


def schema_paths(schema: dict[str, Any]) -> Iterator[str]:
    """Walk the JSON Schema independently of the docs generator."""
    defs = schema["$defs"]

    def resolve(node: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        branches = [b for b in node.get("anyOf", [node]) if b.get("type") != "null"]
        node = branches[0] if len(branches) == 1 else {}
        is_list = node.get("type") == "array"
        if is_list:
            node = node["items"]
        if "$ref" in node:
            node = defs[node["$ref"].split("/")[-1]]
        return node, is_list

    def walk(node: dict[str, Any], prefix: str) -> Iterator[str]:
        for name, prop in node.get("properties", {}).items():
            yield prefix + name
            target, is_list = resolve(prop)
            if target.get("type") == "object":
                yield from walk(target, f"{prefix}{name}{'[]' if is_list else ''}.")

    return walk(schema, "")


def documented_paths() -> set[str]:
    """Paths in the first column of the doc's tables (`path` alone in the cell)."""
    found = set()
    for line in DOC.splitlines():
        match = re.match(r"^\| `([^`]+)` \|", line)
        if match and PATH.match(match.group(1)):
            found.add(match.group(1))
    return found


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", DOC, flags=re.MULTILINE | re.DOTALL)


def test_every_field_in_the_json_schema_is_documented() -> None:
    missing = set(schema_paths(terms_json_schema())) - documented_paths()
    assert not missing, f"fields in the schema but not in docs/terms-format.md: {sorted(missing)}"


def test_every_field_the_doc_documents_exists_in_the_json_schema() -> None:
    unknown = documented_paths() - set(schema_paths(terms_json_schema()))
    assert not unknown, f"fields in docs/terms-format.md but not in the schema: {sorted(unknown)}"


def test_the_field_reference_table_is_the_one_generated_from_the_schema() -> None:
    table = DOC.split(START, 1)[1].split(END, 1)[0]
    assert table == field_reference_markdown(), (
        "docs/terms-format.md is stale; replace the table between the field-reference "
        "markers with pactline.terms.jsonschema.field_reference_markdown()"
    )


def test_every_schema_path_is_in_the_allowed_values_table_if_it_is_a_choice() -> None:
    choices = {
        path
        for path in schema_paths(terms_json_schema())
        if re.search(rf"^\| `{re.escape(path)}` \| choice \|", DOC, flags=re.MULTILINE)
    }
    allowed_section = DOC.split("### Allowed values", 1)[1].split("## Validation rules", 1)[0]
    for path in choices:
        assert f"| `{path}` |" in allowed_section


DOC_DOCUMENTS = [block for block in code_blocks("yaml") if block.startswith("pactline: 1")] + [
    block for block in code_blocks("json") if '"pactline": 1' in block
]


@pytest.mark.parametrize("block", DOC_DOCUMENTS, ids=lambda block: block.splitlines()[0][:30])
def test_every_terms_document_shown_in_the_doc_is_valid(block: str) -> None:
    fmt = "json" if block.startswith("{") else "yaml"
    assert isinstance(load_terms(block, format=fmt), TermsDocument)


def test_the_doc_shows_several_terms_documents() -> None:
    assert len(DOC_DOCUMENTS) >= 4


@pytest.mark.parametrize("name", ["northwind-msa.yaml", "northwind-msa-amendment-1.yaml"])
def test_the_full_and_amendment_examples_in_the_doc_match_the_example_files(name: str) -> None:
    shown = [load_terms(block) for block in code_blocks("yaml") if block.startswith("pactline")]
    assert load_terms_file(REPO / "examples" / name) in shown


def test_every_example_file_the_doc_names_exists() -> None:
    for name in re.findall(r"`(examples/[^`]+)`", DOC):
        assert (REPO / name).is_file(), name

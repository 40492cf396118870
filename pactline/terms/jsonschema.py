"""The JSON Schema of the terms language, and the field reference built from it.

The schema comes from :class:`~pactline.terms.schema.TermsDocument`, so its
descriptions and examples are the models' own. It checks the shape of a
document (fields, types, allowed values, patterns); rules across fields, such
as "the notice period must be less than the term", are checked by the models.

A copy is committed as ``pactline/terms/terms.schema.json`` for editors; regenerate
it with ``pactline terms schema --output pactline/terms/terms.schema.json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue

from pactline.terms.schema import FORMAT_VERSION, MONEY_PATTERN, TermsDocument

__all__ = [
    "COMMITTED_SCHEMA_PATH",
    "JSON_SCHEMA_DIALECT",
    "SCHEMA_ID",
    "FieldDoc",
    "field_docs",
    "field_reference_markdown",
    "terms_json_schema",
    "terms_json_schema_text",
]

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = f"urn:pactline:terms:{FORMAT_VERSION}"
COMMITTED_SCHEMA_PATH = Path(__file__).with_name("terms.schema.json")

JsonObject = Mapping[str, Any]


class _TermsSchemaGenerator(GenerateJsonSchema):
    """Pydantic's generator, except that examples keep their keys in the order written."""

    def sort(self, value: JsonSchemaValue, parent_key: str | None = None) -> JsonSchemaValue:
        sorted_value: JsonSchemaValue = _sorted(value, parent_key)
        return sorted_value


def _sorted(value: Any, parent_key: str | None) -> Any:
    """Pydantic's key order: sorted, except properties, defaults and (here) examples."""
    if isinstance(value, dict):
        keys = value if parent_key in ("properties", "default", "examples") else sorted(value)
        return {key: _sorted(value[key], key) for key in keys}
    if isinstance(value, list):
        return value if parent_key == "examples" else [_sorted(v, parent_key) for v in value]
    return value


def terms_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a terms document."""
    generated = TermsDocument.model_json_schema(
        mode="validation", schema_generator=_TermsSchemaGenerator
    )
    schema: dict[str, Any] = {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": f"Pactline contract terms, format version {FORMAT_VERSION}",
    }
    schema.update((key, value) for key, value in generated.items() if key != "title")
    return schema


def terms_json_schema_text() -> str:
    """The JSON Schema as the text committed in ``terms.schema.json``."""
    return json.dumps(terms_json_schema(), indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True, slots=True)
class FieldDoc:
    """One field of the document as the field reference describes it."""

    path: str
    type: str
    required: str
    allowed: str
    meaning: str
    example: str


def field_docs(schema: JsonObject | None = None) -> list[FieldDoc]:
    """Every field of the document, in order, described from the JSON Schema.

    Paths are dotted; fields of list items are written ``contract.people[].email``.
    """
    schema = terms_json_schema() if schema is None else schema
    return list(_walk(schema, schema.get("$defs", {}), ""))


def field_reference_markdown(schema: JsonObject | None = None) -> str:
    """The field reference as a Markdown table (the one in ``docs/terms-format.md``)."""
    rows = [
        "| Path | Type | Required | Allowed values | Meaning | Example |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for doc in field_docs(schema):
        cells = [f"`{doc.path}`", doc.type, doc.required, doc.allowed, doc.meaning, doc.example]
        rows.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(rows) + "\n"


# --------------------------------------------------------------------------- walking


@dataclass(frozen=True, slots=True)
class _Shape:
    type: str
    allowed: str
    section: JsonObject | None
    is_list: bool
    description: str


def _walk(node: JsonObject, defs: JsonObject, prefix: str) -> Iterator[FieldDoc]:
    required = set(node.get("required", ()))
    for name, prop in node.get("properties", {}).items():
        path = f"{prefix}{name}"
        shape = _shape(prop, defs)
        yield FieldDoc(
            path=path,
            type=shape.type,
            required=_required_text(name in required, prop),
            allowed=shape.allowed,
            meaning=prop.get("description") or shape.description,
            example=_example_text(prop),
        )
        if shape.section is not None:
            yield from _walk(shape.section, defs, f"{path}[]." if shape.is_list else f"{path}.")


def _shape(prop: JsonObject, defs: JsonObject) -> _Shape:
    branches = [b for b in prop.get("anyOf", ()) if b.get("type") != "null"]
    if len(branches) > 1:
        if any(branch.get("pattern") == MONEY_PATTERN for branch in branches):
            return _Shape("decimal", _decimal_text(branches), None, False, "")
        return _Shape("number", _number_text(branches), None, False, "")
    target = branches[0] if branches else prop
    if "$ref" in target:
        target = defs[str(target["$ref"]).rsplit("/", 1)[-1]]
    description = _first_paragraph(str(target.get("description", "")))
    if target.get("type") == "array":
        inner = _shape(target.get("items", {}), defs)
        return _Shape(f"list of {inner.type}", inner.allowed, inner.section, True, description)
    if "enum" in target:
        allowed = ", ".join(f"`{value}`" for value in target["enum"])
        return _Shape("choice", allowed, None, False, description)
    if "const" in target:
        return _Shape(_type_name(target), f"`{target['const']}`", None, False, description)
    if target.get("type") == "object":
        return _Shape("section", "", target, False, description)
    return _Shape(_type_name(target), _constraints_text(target), None, False, description)


def _type_name(target: JsonObject) -> str:
    kind = target.get("type")
    if kind == "string":
        return "date" if target.get("format") == "date" else "text"
    if kind == "integer":
        return "whole number"
    if kind == "number":
        return "number"
    if kind == "boolean":
        return "true/false"
    return str(kind or "any")


def _constraints_text(target: JsonObject) -> str:
    parts: list[str] = []
    if target.get("format") == "date":
        parts.append("`YYYY-MM-DD`")
    if "pattern" in target:
        parts.append(f"pattern `{target['pattern']}`")
    low, high = target.get("minLength"), target.get("maxLength")
    if low is not None and high is not None:
        parts.append(f"{low}-{high} characters")
    elif high is not None:
        parts.append(f"at most {high} characters")
    low, high = target.get("minimum"), target.get("maximum")
    above = target.get("exclusiveMinimum")
    if low is not None and high is not None:
        parts.append(f"{low}-{high}")
    elif low is not None:
        parts.append(f"at least {low}")
    elif above is not None:
        parts.append(f"more than {above}" + (f", at most {high}" if high is not None else ""))
    return ", ".join(parts)


def _number_text(branches: list[JsonObject]) -> str:
    """An exact decimal written as a number or as numeric text: its range."""
    for branch in branches:
        if branch.get("type") == "number":
            return _constraints_text(branch)
    return ""


def _decimal_text(branches: list[JsonObject]) -> str:
    for branch in branches:
        if branch.get("type") == "string" and "pattern" in branch:
            return 'text like `"1200000.00"` (at most 2 decimals) or a number; at least 0'
    return ""


def _required_text(required: bool, prop: JsonObject) -> str:
    if required:
        return "yes"
    default = prop.get("default")
    if default is None or default == []:
        return "no"
    if isinstance(default, bool):
        return f"no (default `{_flow(default)}`)"
    return f"no (default `{default}`)"


def _example_text(prop: JsonObject) -> str:
    examples = prop.get("examples") or ()
    if not examples:
        return ""
    example = examples[0]
    if isinstance(example, list | dict | bool):
        return f"`{_flow(example)}`"
    return f"`{example}`"


def _flow(value: Any) -> str:
    """A value as YAML flow style, the way the docs write short sections inline."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_flow(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and re.fullmatch(r"[0-9.+-]+", value):
        return f'"{value}"'
    return str(value)


def _first_paragraph(text: str) -> str:
    return " ".join(text.strip().split("\n\n", 1)[0].split())


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")

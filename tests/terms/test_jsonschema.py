"""The JSON Schema of the terms language is exported from the models and kept in step."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pactline.terms import terms_json_schema
from pactline.terms.jsonschema import COMMITTED_SCHEMA_PATH, terms_json_schema_text

SECTIONS = [
    "pactline",
    "contract",
    "version",
    "term",
    "renewal",
    "calendar",
    "service_levels",
    "charges",
]


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def test_the_schema_is_json_and_declares_draft_2020_12_with_an_id_and_title() -> None:
    schema = json.loads(terms_json_schema_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "urn:pactline:terms:1"
    assert schema["title"] == "Pactline contract terms, format version 1"
    assert schema["type"] == "object"


def test_the_schema_has_every_section_and_requires_the_essential_ones() -> None:
    schema = terms_json_schema()
    assert list(schema["properties"]) == SECTIONS
    assert schema["required"] == ["pactline", "contract", "term", "renewal"]
    assert schema["properties"]["pactline"]["const"] == 1


def test_the_schema_forbids_unknown_fields_in_every_section() -> None:
    schema = terms_json_schema()
    objects = [schema, *(d for d in schema["$defs"].values() if d.get("type") == "object")]
    assert objects
    assert all(node["additionalProperties"] is False for node in objects)


def test_the_schema_keeps_the_enum_values_the_engine_relies_on() -> None:
    defs = terms_json_schema()["$defs"]
    assert defs["RenewalKind"]["enum"] == ["none", "automatic", "evergreen", "optional"]
    assert defs["NoticeUnit"]["enum"] == ["calendar_days", "business_days", "months"]
    assert defs["NoticeParty"]["enum"] == ["either", "customer", "supplier"]
    assert defs["NonBusinessDayRule"]["enum"] == ["preceding", "following", "unadjusted"]
    assert defs["EndConvention"]["enum"] == ["day_before_anniversary", "anniversary"]
    assert defs["ContractKind"]["enum"] == ["master", "statement_of_work", "order"]
    assert defs["OurRole"]["enum"] == ["customer", "supplier"]


def test_every_reference_in_the_schema_resolves() -> None:
    schema = terms_json_schema()
    for ref in refs(schema):
        assert ref.startswith("#/$defs/")
        assert ref.removeprefix("#/$defs/") in schema["$defs"]


def test_every_field_in_the_schema_has_a_description() -> None:
    schema = terms_json_schema()
    for definition in [schema, *schema["$defs"].values()]:
        for name, prop in definition.get("properties", {}).items():
            target = prop.get("$ref") or next(
                (b.get("$ref") for b in prop.get("anyOf", ()) if "$ref" in b), None
            )
            described = prop.get("description") or (
                target and schema["$defs"][target.rsplit("/", 1)[-1]].get("description")
            )
            assert described, f"{name} has no description"


def test_amounts_are_strings_or_numbers_never_just_floats() -> None:
    total = terms_json_schema()["$defs"]["ContractValues"]["properties"]["total"]
    kinds = [branch.get("type") for branch in total["anyOf"]]
    assert kinds == ["string", "number", "null"]


def test_the_committed_schema_file_equals_the_generated_schema() -> None:
    committed = COMMITTED_SCHEMA_PATH.read_text(encoding="utf-8")
    assert committed == terms_json_schema_text(), (
        "pactline/terms/terms.schema.json is stale; regenerate it with "
        "`pactline terms schema --output pactline/terms/terms.schema.json`"
    )

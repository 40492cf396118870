"""Writing a terms document out and reading it back gives the same document."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pactline.terms import TermsDocument, dump_terms, load_terms, load_terms_file

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FILES = sorted([*EXAMPLES.glob("*.yaml"), *EXAMPLES.glob("*.json")])

# Text as people type it, including characters YAML treats specially.
TEXT = st.text(
    alphabet=st.characters(codec="utf-8"),
    min_size=1,
    max_size=30,
).filter(lambda value: value.strip() != "")
TRICKY_TEXT = st.sampled_from(
    [
        "yes",
        "no",
        "NO",
        "on",
        "null",
        "~",
        "true",
        "1.5",
        "012",
        "2026-01-01",
        "1e3",
        "- x",
        "a: b",
        "#tag",
        "'q'",
        '"dq"',
        "multi\nline",
        "tab\there",
        "@home",
        "*star",
        "&amp",
        "next\x85line",
        "ls\u2028ps\u2029",
        "cr\rlf",
        "end  \nspaces",
        "\ufeffbom",
        "é ü 日本",
    ]
)
ANY_TEXT = st.one_of(TEXT, TRICKY_TEXT)
REFERENCE = st.from_regex(r"[A-Za-z0-9._/-]{1,64}", fullmatch=True)
CALENDARS = st.sampled_from(
    [("GB", "ENG"), ("GB", "SCT"), ("US", "NY"), ("DE", None), ("IE", None)]
)


@st.composite
def terms_documents(draw: st.DrawFn) -> TermsDocument:
    kind = draw(st.sampled_from(["master", "statement_of_work", "order"]))
    reference = draw(REFERENCE)
    contract: dict[str, Any] = {
        "reference": reference,
        "title": draw(ANY_TEXT),
        "kind": kind,
        "our_role": draw(st.sampled_from(["customer", "supplier"])),
        "counterparty": {
            "name": draw(ANY_TEXT),
            "registration_id": draw(st.none() | ANY_TEXT),
            "country": draw(st.none() | st.sampled_from(["GB", "US", "NO", "DE", "IN"])),
        },
        "currency": draw(st.sampled_from(["GBP", "USD", "EUR", "NOK", "JPY"])),
        "region": draw(st.none() | ANY_TEXT),
        "people": draw(
            st.lists(
                st.fixed_dictionaries(
                    {"name": ANY_TEXT},
                    optional={
                        "email": st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.example", fullmatch=True),
                        "responsibility": ANY_TEXT,
                    },
                ),
                max_size=3,
            )
        ),
        "tags": draw(st.lists(TEXT.map(lambda tag: tag.strip()[:40]), max_size=4, unique=True)),
    }
    if kind != "master":
        contract["parent"] = reference + "-MASTER"[: 64 - len(reference)] or "M"
    if draw(st.booleans()):
        money = st.none() | st.decimals(min_value=0, max_value=10**15, places=2)
        contract["values"] = {"total": draw(money), "annual": draw(money)}
    if draw(st.booleans()):
        contract["owners"] = {"account_manager": draw(st.none() | ANY_TEXT)}

    start = draw(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
    term: dict[str, Any] = {
        "start_on": start,
        "end_convention": draw(st.sampled_from(["day_before_anniversary", "anniversary"])),
    }
    if draw(st.booleans()):
        term["months"] = draw(st.integers(min_value=6, max_value=120))
    else:
        term["end_on"] = start + timedelta(days=draw(st.integers(min_value=200, max_value=4000)))

    renewal_kind = draw(st.sampled_from(["none", "automatic", "evergreen", "optional"]))
    renewal: dict[str, Any] = {"kind": renewal_kind}
    calendar = None
    if renewal_kind != "none":
        unit = draw(st.sampled_from(["calendar_days", "business_days", "months"]))
        # Short enough to fit inside the shortest initial term drawn (6 months or 200 days).
        period = draw(st.integers(1, 4)) if unit == "months" else draw(st.integers(1, 90))
        renewal["term_months"] = draw(st.integers(1, 36))
        renewal["notice"] = {
            "period": period,
            "unit": unit,
            "given_by": draw(st.sampled_from(["either", "customer", "supplier"])),
        }
        if renewal_kind != "evergreen":
            renewal["max_renewals"] = draw(st.none() | st.integers(1, 5))
        if unit == "business_days":
            calendar = draw(CALENDARS)
    if calendar is None and draw(st.booleans()):
        calendar = draw(CALENDARS)

    data: dict[str, Any] = {"pactline": 1, "contract": contract, "term": term, "renewal": renewal}
    if calendar is not None:
        country, subdivision = calendar
        data["calendar"] = {
            "country": country,
            "subdivision": subdivision,
            "non_business_day": draw(st.sampled_from(["preceding", "following", "unadjusted"])),
        }
    if draw(st.booleans()):
        data["version"] = {
            "effective_on": start + timedelta(days=draw(st.integers(0, 150))),
            "label": draw(st.none() | ANY_TEXT),
            "note": draw(st.none() | ANY_TEXT),
        }
    return TermsDocument.model_validate(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(terms_documents(), st.sampled_from(["yaml", "json"]))
def test_any_valid_document_survives_a_dump_and_load_round_trip(
    doc: TermsDocument, fmt: str
) -> None:
    text = dump_terms(doc, fmt)  # type: ignore[arg-type]
    assert load_terms(text, format=fmt) == doc


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_every_example_survives_a_round_trip_in_both_formats(path: Path, fmt: str) -> None:
    doc = load_terms_file(path)
    text = dump_terms(doc, fmt)  # type: ignore[arg-type]
    assert load_terms(text, format=fmt) == doc
    assert dump_terms(load_terms(text, format=fmt), fmt) == text  # type: ignore[arg-type]


def test_dumped_yaml_writes_dates_plainly_and_amounts_as_quoted_decimals() -> None:
    text = dump_terms(load_terms_file(EXAMPLES / "northwind-msa.yaml"))
    assert "  start_on: 2026-01-01\n" in text
    assert "    total: '4800000.00'\n" in text
    assert "    registration_id: '01234567'\n" in text
    assert text.startswith("pactline: 1\ncontract:\n")


def test_dumped_json_is_plain_json_with_amounts_as_strings() -> None:
    data = json.loads(dump_terms(load_terms_file(EXAMPLES / "northwind-msa.yaml"), "json"))
    assert data["contract"]["values"] == {"total": "4800000.00", "annual": "1600000.00"}
    assert data["term"]["start_on"] == "2026-01-01"


def test_dumped_yaml_reads_the_same_in_an_ordinary_yaml_reader() -> None:
    doc = load_terms_file(EXAMPLES / "contoso-bpo-evergreen.json")
    assert yaml.safe_load(dump_terms(doc))["contract"]["title"] == doc.contract.title


def test_empty_optional_fields_are_left_out_of_a_dump() -> None:
    text = dump_terms(load_terms_file(EXAMPLES / "contoso-bpo-evergreen.json"))
    assert "null" not in text
    assert "max_renewals" not in text
    assert "version" not in text


def test_dumping_to_an_unknown_format_is_refused() -> None:
    doc = load_terms_file(EXAMPLES / "northwind-msa.yaml")
    with pytest.raises(ValueError, match="unknown terms format"):
        dump_terms(doc, "toml")  # type: ignore[arg-type]

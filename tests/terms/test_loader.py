"""Reading terms text: YAML and JSON syntax, the YAML dialect, files, and error reporting."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from pactline.terms import (
    TermsError,
    TermsIssue,
    load_terms,
    load_terms_file,
    validate_terms_data,
)

MINIMAL = """\
pactline: 1
contract:
  reference: PO-2026-117
  title: Firewall health check
  kind: master
  our_role: customer
  counterparty:
    name: Fabrikam Security Ltd
    country: GB
  currency: GBP
term:
  start_on: 2026-02-01
  months: 12
renewal:
  kind: none
"""

MINIMAL_JSON = """\
{
  "pactline": 1,
  "contract": {
    "reference": "PO-2026-117",
    "title": "Firewall health check",
    "kind": "master",
    "our_role": "customer",
    "counterparty": {"name": "Fabrikam Security Ltd", "country": "GB"},
    "currency": "GBP"
  },
  "term": {"start_on": "2026-02-01", "months": 12},
  "renewal": {"kind": "none"}
}
"""


def issues(text: str, **options: str) -> list[str]:
    with pytest.raises(TermsError) as caught:
        load_terms(text, **options)
    return [str(issue) for issue in caught.value.issues]


def test_the_same_document_reads_the_same_from_yaml_and_json() -> None:
    assert load_terms(MINIMAL, format="yaml") == load_terms(MINIMAL_JSON, format="json")


def test_a_yaml_syntax_error_is_one_issue_with_its_line() -> None:
    broken = MINIMAL.replace("  title: Firewall health check", "  title: Firewall: [health")
    assert issues(broken) == ["invalid YAML: mapping values are not allowed here (line 4)"]


def test_an_unclosed_yaml_bracket_is_reported_with_a_line() -> None:
    broken = MINIMAL.replace("  currency: GBP", "  tags: [a, b\n  currency: GBP")
    (problem,) = issues(broken)
    assert problem.startswith("invalid YAML: ")
    assert problem.endswith("(line 11)")


def test_a_json_syntax_error_is_one_issue_with_its_line() -> None:
    broken = MINIMAL_JSON.replace('"title": "Firewall', '"title" "Firewall')
    assert issues(broken, format="json") == ["invalid JSON: Expecting ':' delimiter (line 5)"]


def test_json_errors_are_found_on_their_lines_even_with_tab_indentation() -> None:
    tabbed = MINIMAL_JSON.replace("  ", "\t").replace('"kind": "none"', '"kind": "never"')
    assert issues(tabbed, format="json") == [
        "renewal.kind: must be one of: none, automatic, evergreen, optional (line 12)"
    ]


def test_an_empty_document_is_reported_plainly() -> None:
    assert issues("") == [
        "the document must be a mapping of sections starting with 'pactline: 1', but it is empty"
    ]


def test_a_document_that_is_a_list_is_reported_plainly() -> None:
    assert issues("- pactline: 1\n") == [
        "the document must be a mapping of sections starting with 'pactline: 1', "
        "but it is a list (line 1)"
    ]


def test_two_yaml_documents_in_one_text_are_rejected() -> None:
    (problem,) = issues(MINIMAL + "---\n" + MINIMAL)
    assert problem.startswith("invalid YAML: but found another document")
    assert problem.endswith("(line 16)")


def test_a_duplicate_key_is_reported_rather_than_silently_overwriting() -> None:
    doubled = MINIMAL.replace("  currency: GBP\n", "  currency: GBP\n  currency: EUR\n")
    assert issues(doubled) == [
        "contract.currency: duplicate key; the first is on line 10 (line 11)"
    ]


def test_a_duplicate_key_in_json_is_reported_too() -> None:
    doubled = MINIMAL_JSON.replace('"currency": "GBP"', '"currency": "GBP", "currency": "EUR"')
    assert issues(doubled, format="json") == [
        "contract.currency: duplicate key: given more than once (line 9)"
    ]


def test_yaml_aliases_are_refused() -> None:
    aliased = MINIMAL.replace("  title: Firewall health check", "  title: &t Firewall").replace(
        "    name: Fabrikam Security Ltd", "    name: *t"
    )
    assert issues(aliased) == [
        "invalid YAML: aliases (*name) are not allowed in a terms document; "
        "write the value out (line 8)"
    ]


def test_yaml_python_tags_are_refused_so_loading_is_safe() -> None:
    unsafe = MINIMAL.replace(
        "  title: Firewall health check", "  title: !!python/object/apply:os.system [echo]"
    )
    (problem,) = issues(unsafe)
    assert problem.startswith("invalid YAML: could not determine a constructor")
    assert problem.endswith("(line 4)")


def test_norway_is_a_country_not_a_boolean() -> None:
    norway = MINIMAL.replace("    country: GB", "    country: NO")
    assert load_terms(norway).contract.counterparty.country == "NO"


def test_yes_and_no_are_text_but_true_is_not() -> None:
    assert load_terms(MINIMAL.replace("Firewall health check", "yes")).contract.title == "yes"
    assert issues(MINIMAL.replace("Firewall health check", "true")) == [
        "contract.title: must be text; put the value in quotes (line 4)"
    ]


def test_leading_zeros_keep_an_unquoted_registration_number_as_text() -> None:
    text = MINIMAL.replace("    country: GB", "    country: GB\n    registration_id: 01234567")
    assert load_terms(text).contract.counterparty.registration_id == "01234567"


def test_amounts_are_exact_decimals_whether_quoted_or_not() -> None:
    for written in ('"1234567890123456.78"', "1234567890123456.78"):
        text = MINIMAL.replace(
            "  currency: GBP", f"  currency: GBP\n  values:\n    total: {written}"
        )
        values = load_terms(text).contract.values
        assert values is not None
        assert values.total == Decimal("1234567890123456.78")
        assert isinstance(values.total, Decimal)


def test_amounts_in_json_are_exact_decimals_too() -> None:
    text = MINIMAL_JSON.replace('"currency": "GBP"', '"currency": "GBP", "values": {"total": 0.1}')
    values = load_terms(text, format="json").contract.values
    assert values is not None
    assert values.total == Decimal("0.1")


def test_nan_in_json_is_not_an_amount() -> None:
    text = MINIMAL_JSON.replace('"currency": "GBP"', '"currency": "GBP", "values": {"total": NaN}')
    assert issues(text, format="json") == [
        "contract.values.total: must be a finite number, not NaN or infinity (line 9)"
    ]


def test_dates_written_as_strings_read_the_same_as_plain_yaml_dates() -> None:
    quoted = MINIMAL.replace("start_on: 2026-02-01", 'start_on: "2026-02-01"')
    assert load_terms(quoted) == load_terms(MINIMAL)


def test_a_date_with_a_time_is_not_a_date() -> None:
    timed = MINIMAL.replace("start_on: 2026-02-01", "start_on: 2026-02-01T09:00:00")
    assert issues(timed) == [
        "term.start_on: must be a date written YYYY-MM-DD, like 2026-01-31 (line 12)"
    ]


def test_a_number_is_not_taken_for_a_date() -> None:
    assert validate_terms_data_issues(
        {
            **load_terms(MINIMAL).model_dump(mode="json"),
            "term": {"start_on": 1767225600, "months": 12},
        }
    ) == ["term.start_on: must be a date written YYYY-MM-DD, like 2026-01-31"]


def validate_terms_data_issues(data: object) -> list[str]:
    with pytest.raises(TermsError) as caught:
        validate_terms_data(data)
    return [str(issue) for issue in caught.value.issues]


def test_already_parsed_data_is_validated_with_the_same_plain_messages() -> None:
    assert validate_terms_data_issues({"pactline": 1, "contract": {"reference": "A"}}) == [
        "contract.title: required",
        "contract.kind: required",
        "contract.our_role: required",
        "contract.counterparty: required",
        "contract.currency: required",
        "term: required",
        "renewal: required",
    ]


def test_the_format_follows_the_file_extension_then_the_text() -> None:
    assert load_terms(MINIMAL_JSON, source="x.json") == load_terms(MINIMAL, source="x.yml")
    assert load_terms(MINIMAL_JSON) == load_terms(MINIMAL)
    with pytest.raises(ValueError, match="unknown terms format"):
        load_terms(MINIMAL, format="toml")


def test_a_byte_order_mark_is_ignored() -> None:
    assert load_terms("\ufeff" + MINIMAL) == load_terms(MINIMAL)


def test_a_file_is_read_with_its_name_as_the_source(tmp_path: Path) -> None:
    path = tmp_path / "draft.yaml"
    path.write_text(MINIMAL.replace("kind: none", "kind: never"), encoding="utf-8")
    with pytest.raises(TermsError) as caught:
        load_terms_file(path)
    assert [issue.format(with_source=True) for issue in caught.value.issues] == [
        f"{path}: renewal.kind: must be one of: none, automatic, evergreen, optional (line 15)"
    ]


def test_a_missing_file_is_a_terms_error_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(TermsError) as caught:
        load_terms_file(tmp_path / "missing.yaml")
    (issue,) = caught.value.issues
    assert issue.message.startswith("cannot read the file")
    assert issue.line is None


def test_a_file_that_is_not_utf8_is_a_terms_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(MINIMAL.replace("Firewall", "Fïrewall").encode("latin-1"))
    with pytest.raises(TermsError) as caught:
        load_terms_file(path)
    assert [str(issue) for issue in caught.value.issues] == [
        "cannot read the file: it is not UTF-8 text"
    ]


def test_a_terms_error_reads_as_a_list_of_its_issues() -> None:
    error = TermsError(
        [
            TermsIssue("renewal.kind", "required", 14, "a.yaml"),
            TermsIssue("term", "required", None, "a.yaml"),
        ]
    )
    assert str(error) == (
        "a.yaml: 2 problems in the terms\n  renewal.kind: required (line 14)\n  term: required"
    )
    assert isinstance(error, ValueError)


def test_text_is_trimmed_of_surrounding_spaces() -> None:
    padded = MINIMAL.replace("title: Firewall health check", "title: '  Firewall health check  '")
    assert load_terms(padded).contract.title == "Firewall health check"


def test_a_subdivision_code_that_is_a_number_may_be_written_unquoted() -> None:
    french = MINIMAL.replace("renewal:", "calendar:\n  country: FR\n  subdivision: 971\nrenewal:")
    calendar = load_terms(french).calendar
    assert calendar is not None
    assert calendar.subdivision == "971"


def test_an_oversized_document_is_refused() -> None:
    assert issues(MINIMAL + "#" * 1_000_001) == [
        "the document is too large (over 1,000,000 characters)"
    ]

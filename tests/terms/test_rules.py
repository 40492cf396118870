"""Every rule of the terms language is reported at its field, in plain English, with a line."""

from __future__ import annotations

import pytest

from pactline.terms import TermsError, TermsIssue, load_terms

BASE = """\
pactline: 1
contract:
  reference: MSA-2026-001
  title: Managed network services
  kind: master
  our_role: customer
  counterparty:
    name: Northwind Networks Ltd
    country: GB
  currency: GBP
  values:
    total: "4800000.00"
  tags: [network, critical]
version:
  effective_on: 2026-01-01
term:
  start_on: 2026-01-01
  months: 36
renewal:
  kind: automatic
  term_months: 12
  max_renewals: 2
  notice:
    period: 90
    unit: calendar_days
calendar:
  country: GB
  subdivision: ENG
"""


def edited(old: str, new: str) -> str:
    assert BASE.count(old) == 1, f"{old!r} must occur once in BASE"
    return BASE.replace(old, new)


def problems(text: str) -> list[str]:
    with pytest.raises(TermsError) as caught:
        load_terms(text, source="draft.yaml")
    return [str(issue) for issue in caught.value.issues]


def test_the_base_document_of_these_tests_is_valid() -> None:
    assert load_terms(BASE).contract.reference == "MSA-2026-001"


CASES = [
    pytest.param(
        "  tags: [network, critical]\n",
        "  tags: [network, critical]\n  colour: blue\n",
        "contract.colour: unknown field (line 14)",
        id="an unknown field inside a section is rejected, not dropped",
    ),
    pytest.param(
        "calendar:\n",
        "obligations: []\ncalendar:\n",
        "obligations: unknown field (line 26)",
        id="an unknown top-level section is rejected",
    ),
    pytest.param(
        "    country: GB\n  currency",
        "    country: GB\n    vat: GB123\n  currency",
        "contract.counterparty.vat: unknown field (line 10)",
        id="an unknown field deep inside is rejected with its full path",
    ),
    pytest.param(
        "  months: 36\n",
        "  end_on: 2025-12-31\n",
        "term.end_on: must not be before term.start_on (2026-01-01) (line 18)",
        id="a term that ends before it starts is rejected",
    ),
    pytest.param(
        "  months: 36\n",
        "  months: 36\n  end_on: 2028-12-31\n",
        "term.months: give either term.end_on or term.months, not both (line 18)",
        id="a term with both an end date and months is rejected",
    ),
    pytest.param(
        "  months: 36\n",
        "",
        "term.end_on: required: give term.end_on or term.months (line 16)",
        id="a term with neither an end date nor months is rejected",
    ),
    pytest.param(
        "  term_months: 12\n",
        "",
        "renewal.term_months: required when renewal.kind is automatic (line 19)",
        id="a renewing contract without a renewal term is rejected",
    ),
    pytest.param(
        "  notice:\n    period: 90\n    unit: calendar_days\n",
        "",
        "renewal.notice: required when renewal.kind is automatic (line 19)",
        id="a renewing contract without a notice is rejected",
    ),
    pytest.param(
        "  kind: automatic\n  term_months: 12\n  max_renewals: 2\n"
        "  notice:\n    period: 90\n    unit: calendar_days\n",
        "  kind: none\n  term_months: 12\n",
        "renewal.term_months: must not be set when renewal.kind is none (line 21)",
        id="a renewal term on a contract that does not renew is rejected",
    ),
    pytest.param(
        "  kind: automatic\n",
        "  kind: evergreen\n",
        "renewal.max_renewals: must not be set when renewal.kind is evergreen: "
        "it renews without limit (line 22)",
        id="a renewal limit on an evergreen contract is rejected",
    ),
    pytest.param(
        "    period: 90\n    unit: calendar_days\n",
        "    period: 36\n    unit: months\n",
        "renewal.notice.period: must be less than the term (line 24)",
        id="a notice in months as long as the term in months is rejected",
    ),
    pytest.param(
        "    period: 90\n",
        "    period: 1096\n",
        "renewal.notice.period: must be less than the term (line 24)",
        id="a notice in days longer than the term in days is rejected",
    ),
    pytest.param(
        "    period: 90\n    unit: calendar_days\n",
        "    period: 800\n    unit: business_days\n",
        "renewal.notice.period: must be less than the term (line 24)",
        id="a notice in business days longer than the business days of the term is rejected",
    ),
    pytest.param(
        "    unit: calendar_days\ncalendar:\n  country: GB\n  subdivision: ENG\n",
        "    unit: business_days\n",
        "calendar: required when renewal.notice.unit is business_days, to know the holidays",
        id="a notice in business days without a calendar is rejected",
    ),
    pytest.param(
        "  currency: GBP\n",
        "  currency: GBX\n",
        "contract.currency: 'GBX' is not an ISO 4217 currency code (line 10)",
        id="an unknown currency is rejected",
    ),
    pytest.param(
        "  currency: GBP\n",
        "  currency: gbp\n",
        "contract.currency: must be a three-letter ISO 4217 currency code in capitals, "
        "like GBP (line 10)",
        id="a currency in lower case is rejected",
    ),
    pytest.param(
        "    country: GB\n  currency",
        "    country: XX\n  currency",
        "contract.counterparty.country: 'XX' is not an ISO 3166-1 alpha-2 country code (line 9)",
        id="an unknown counterparty country is rejected",
    ),
    pytest.param(
        "  country: GB\n  subdivision: ENG\n",
        "  country: ZZ\n  subdivision: ENG\n",
        "calendar.country: 'ZZ' is not a country the holiday calendar knows; "
        "use a two-letter ISO 3166-1 code such as GB, US or DE (line 27)",
        id="an unknown calendar country is rejected",
    ),
    pytest.param(
        "  subdivision: ENG\n",
        "  subdivision: XYZ\n",
        "calendar.subdivision: 'XYZ' is not a subdivision of GB; "
        "use one of: ENG, NIR, SCT, WLS (line 28)",
        id="an unknown calendar subdivision is rejected",
    ),
    pytest.param(
        "  country: GB\n  subdivision: ENG\n",
        "  country: AE\n  subdivision: DXB\n",
        "calendar.subdivision: must be empty: the AE holiday calendar has no subdivisions "
        "(line 28)",
        id="a subdivision for a calendar without subdivisions is rejected",
    ),
    pytest.param(
        "  effective_on: 2026-01-01\n",
        "  effective_on: 2025-12-31\n",
        "version.effective_on: must not be before term.start_on (2026-01-01) (line 15)",
        id="a version effective before the term starts is rejected",
    ),
    pytest.param(
        "  effective_on: 2026-01-01\n",
        "  effective_on: 2031-01-01\n",
        "version.effective_on: must not be after the end of the last renewal (2030-12-31) "
        "(line 15)",
        id="a version effective after the last possible renewal is rejected",
    ),
    pytest.param(
        '    total: "4800000.00"\n',
        "    total: 4800000.005\n",
        "contract.values.total: must have at most 2 decimal places (line 12)",
        id="an amount with more than two decimal places is rejected",
    ),
    pytest.param(
        '    total: "4800000.00"\n',
        "    total: .nan\n",
        "contract.values.total: must be a finite number, not NaN or infinity (line 12)",
        id="an amount that is not a number is rejected",
    ),
    pytest.param(
        '    total: "4800000.00"\n',
        "    total: .inf\n",
        "contract.values.total: must be a finite number, not NaN or infinity (line 12)",
        id="an infinite amount is rejected",
    ),
    pytest.param(
        '    total: "4800000.00"\n',
        '    total: "-1.00"\n',
        "contract.values.total: must be at least 0 (line 12)",
        id="a negative amount is rejected",
    ),
    pytest.param(
        '    total: "4800000.00"\n',
        "    total: four million\n",
        'contract.values.total: must be an amount, like "1200000.00" (line 12)',
        id="an amount in words is rejected",
    ),
    pytest.param(
        "  kind: automatic\n",
        "  kind: sometimes\n",
        "renewal.kind: must be one of: none, automatic, evergreen, optional (line 20)",
        id="an unknown renewal kind lists the allowed ones",
    ),
    pytest.param(
        "    unit: calendar_days\n",
        "    unit: weeks\n",
        "renewal.notice.unit: must be one of: calendar_days, business_days, months (line 25)",
        id="an unknown notice unit lists the allowed ones",
    ),
    pytest.param(
        "  title: Managed network services\n",
        "",
        "contract.title: required (line 2)",
        id="a missing required field is reported at its section's line",
    ),
    pytest.param(
        "  title: Managed network services\n",
        "  title:\n",
        "contract.title: must not be empty (line 4)",
        id="an empty required field is rejected",
    ),
    pytest.param(
        "  title: Managed network services\n",
        "  title: 2026\n",
        "contract.title: must be text; put the value in quotes (line 4)",
        id="a number where text belongs is rejected, not converted",
    ),
    pytest.param(
        "  start_on: 2026-01-01\n",
        "  start_on: 01/01/2026\n",
        "term.start_on: must be a date written YYYY-MM-DD, like 2026-01-31 (line 17)",
        id="a date in another format is rejected",
    ),
    pytest.param(
        "  start_on: 2026-01-01\n",
        "  start_on: 2026-02-30\n",
        "term.start_on: must be a date written YYYY-MM-DD, like 2026-01-31 (line 17)",
        id="an impossible date is rejected",
    ),
    pytest.param(
        "  months: 36\n",
        "  months: 0\n",
        "term.months: must be at least 1 (line 18)",
        id="a term of no months is rejected",
    ),
    pytest.param(
        "  months: 36\n",
        "  months: true\n",
        "term.months: must be a whole number (line 18)",
        id="true is not a number of months",
    ),
    pytest.param(
        "  reference: MSA-2026-001\n",
        "  reference: MSA 2026 001\n",
        "contract.reference: must be 1-64 characters of letters, digits and . _ / - "
        "(no spaces), like MSA-2026-001 (line 3)",
        id="a reference with spaces is rejected",
    ),
    pytest.param(
        "  kind: master\n",
        "  kind: statement_of_work\n",
        "contract.parent: required for a statement of work: "
        "the reference of its master agreement (line 2)",
        id="a statement of work without a master is rejected",
    ),
    pytest.param(
        "  kind: master\n",
        "  kind: master\n  parent: MSA-2025-009\n",
        "contract.parent: must be empty for a master agreement (line 6)",
        id="a master agreement with a parent is rejected",
    ),
    pytest.param(
        "  kind: master\n",
        "  kind: order\n  parent: MSA-2026-001\n",
        "contract.parent: must not be the contract's own reference (line 6)",
        id="a contract that is its own parent is rejected",
    ),
    pytest.param(
        "  tags: [network, critical]\n",
        "  tags: [network, network]\n",
        "contract.tags[1]: duplicate tag 'network' (line 13)",
        id="a repeated tag is rejected",
    ),
    pytest.param(
        "pactline: 1\n",
        "pactline: 2\n",
        "pactline: must be 1: this Pactline reads format version 1 (found 2) (line 1)",
        id="an unknown format version is rejected",
    ),
    pytest.param(
        "pactline: 1\n",
        "pactline: true\n",
        "pactline: must be 1: this Pactline reads format version 1 (found true) (line 1)",
        id="true is not a format version",
    ),
    pytest.param(
        "pactline: 1\n",
        "",
        "pactline: required: every terms document starts with 'pactline: 1'",
        id="a document without a format version is rejected",
    ),
    pytest.param(
        "renewal:\n  kind: automatic\n  term_months: 12\n  max_renewals: 2\n"
        "  notice:\n    period: 90\n    unit: calendar_days\n",
        "",
        "renewal: required",
        id="a missing top-level section is reported without a line",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), CASES)
def test_each_broken_rule_is_reported_at_its_field_with_a_plain_message(
    old: str, new: str, expected: str
) -> None:
    assert problems(edited(old, new)) == [expected]


def test_a_notice_one_month_shorter_than_the_term_is_accepted() -> None:
    text = edited("    period: 90\n    unit: calendar_days\n", "    period: 35\n    unit: months\n")
    assert load_terms(text).renewal.notice is not None


def test_a_notice_longer_than_a_renewal_term_is_a_real_clause_and_accepted() -> None:
    # "Month to month, on 90 days' notice": only the initial term bounds the notice.
    text = edited("  term_months: 12\n", "  term_months: 1\n")
    assert load_terms(text).renewal.term_months == 1


def test_the_notice_is_measured_back_from_each_terms_end_like_the_key_date_engine() -> None:
    # 2026-01-30 to 2026-02-28 is a month long, yet one month back from its end is
    # 2026-01-28, before the start: no notice of a month can be given inside it.
    text = (
        edited("  months: 36\n", "  end_on: 2026-02-28\n")
        .replace("  start_on: 2026-01-01\n", "  start_on: 2026-01-30\n")
        .replace("  effective_on: 2026-01-01\n", "  effective_on: 2026-02-01\n")
        .replace("    period: 90\n    unit: calendar_days\n", "    period: 1\n    unit: months\n")
    )
    assert problems(text) == ["renewal.notice.period: must be less than the term (line 24)"]


def test_a_notice_one_day_shorter_than_a_term_in_days_is_accepted_but_the_full_term_is_not() -> (
    None
):
    one_year = edited("  months: 36\n", "  end_on: 2026-12-31\n").replace(
        "  effective_on: 2026-01-01\n", "  effective_on: 2026-06-01\n"
    )
    assert load_terms(one_year.replace("period: 90", "period: 364")).term.length_days == 365
    assert problems(one_year.replace("period: 90", "period: 365")) == [
        "renewal.notice.period: must be less than the term (line 24)"
    ]


def test_a_version_after_the_term_of_a_contract_that_does_not_renew_is_rejected() -> None:
    text = edited(
        "  kind: automatic\n  term_months: 12\n  max_renewals: 2\n"
        "  notice:\n    period: 90\n    unit: calendar_days\n",
        "  kind: none\n",
    ).replace("effective_on: 2026-01-01", "effective_on: 2029-01-01")
    assert problems(text) == [
        "version.effective_on: must not be after the end of the term (2028-12-31) (line 15)"
    ]


def test_a_version_of_a_contract_that_renews_without_limit_has_no_upper_bound() -> None:
    text = edited("  max_renewals: 2\n", "").replace(
        "effective_on: 2026-01-01", "effective_on: 2040-01-01"
    )
    assert load_terms(text).effective_on.year == 2040


def test_every_problem_in_a_document_is_reported_at_once_in_line_order() -> None:
    text = (
        BASE.replace("  kind: automatic\n", "  kind: sometimes\n")
        .replace("  currency: GBP\n", "  currency: GBX\n")
        .replace("  tags: [network, critical]\n", "  tags: [network, critical]\n  colour: blue\n")
    )
    assert problems(text) == [
        "contract.currency: 'GBX' is not an ISO 4217 currency code (line 10)",
        "contract.colour: unknown field (line 14)",
        "renewal.kind: must be one of: none, automatic, evergreen, optional (line 21)",
    ]


def test_issues_carry_path_message_line_and_source() -> None:
    with pytest.raises(TermsError) as caught:
        load_terms(edited("    period: 90\n", "    period: 1096\n"), source="examples/x.yaml")
    (issue,) = caught.value.issues
    assert issue == TermsIssue(
        path="renewal.notice.period",
        message="must be less than the term",
        line=24,
        source="examples/x.yaml",
    )
    assert str(issue) == "renewal.notice.period: must be less than the term (line 24)"
    assert issue.format(with_source=True) == (
        "examples/x.yaml: renewal.notice.period: must be less than the term (line 24)"
    )


def test_the_same_rules_apply_to_json_with_lines() -> None:
    text = (
        '{\n  "pactline": 1,\n  "contract": {\n    "reference": "X-1",\n'
        '    "title": "T",\n    "kind": "master",\n    "our_role": "buyer",\n'
        '    "counterparty": {"name": "N"},\n    "currency": "EUR"\n  },\n'
        '  "term": {"start_on": "2026-01-01", "months": 12},\n'
        '  "renewal": {"kind": "none"}\n}\n'
    )
    with pytest.raises(TermsError) as caught:
        load_terms(text, source="draft.json")
    assert [str(issue) for issue in caught.value.issues] == [
        "contract.our_role: must be one of: customer, supplier (line 7)"
    ]


def test_an_unknown_field_does_not_hide_a_broken_rule_elsewhere() -> None:
    text = edited("    period: 90\n", "    period: 1096\n").replace(
        "  subdivision: ENG\n", "  subdivision: ENG\n  weekend: [sat, sun]\n"
    )
    assert problems(text) == [
        "renewal.notice.period: must be less than the term (line 24)",
        "calendar.weekend: unknown field (line 29)",
    ]


def test_an_unknown_field_beside_a_rule_in_the_same_section_does_not_hide_it() -> None:
    text = edited("  months: 36\n", "  months: 36\n  end_on: 2028-12-31\n  length: 3y\n")
    assert problems(text) == [
        "term.months: give either term.end_on or term.months, not both (line 18)",
        "term.length: unknown field (line 20)",
    ]

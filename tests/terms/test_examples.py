"""The example terms files are valid and say what their names promise."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pactline.terms import (
    ContractKind,
    NoticeUnit,
    OurRole,
    RenewalKind,
    TermsDocument,
    load_terms_file,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FILES = sorted([*EXAMPLES.glob("*.yaml"), *EXAMPLES.glob("*.json")])


def load(name: str) -> TermsDocument:
    return load_terms_file(EXAMPLES / name)


def test_there_are_at_least_three_examples_in_yaml_and_json() -> None:
    assert len(FILES) >= 3
    assert {path.suffix for path in FILES} == {".yaml", ".json"}


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_every_example_file_validates(path: Path) -> None:
    assert isinstance(load_terms_file(path), TermsDocument)


def test_the_northwind_master_is_a_customer_side_automatic_renewal_with_business_day_notice() -> (
    None
):
    msa = load("northwind-msa.yaml")
    assert msa.contract.kind is ContractKind.MASTER
    assert msa.contract.our_role is OurRole.CUSTOMER
    assert msa.renewal.kind is RenewalKind.AUTOMATIC
    assert msa.renewal.notice is not None
    assert msa.renewal.notice.unit is NoticeUnit.BUSINESS_DAYS
    assert msa.calendar is not None
    assert (msa.calendar.country, msa.calendar.subdivision) == ("GB", "ENG")
    assert msa.term.end_date == date(2028, 12, 31)
    assert msa.contract.values is not None
    assert msa.contract.values.total == Decimal("4800000.00")


def test_the_amendment_restates_the_master_with_a_shorter_notice_from_a_later_date() -> None:
    msa = load("northwind-msa.yaml")
    amendment = load("northwind-msa-amendment-1.yaml")
    assert amendment.contract.reference == msa.contract.reference
    assert amendment.version is not None
    assert amendment.version.label == "Amendment No. 1"
    assert amendment.effective_on > msa.effective_on
    assert amendment.renewal.notice is not None and msa.renewal.notice is not None
    assert amendment.renewal.notice.period < msa.renewal.notice.period
    # Apart from the version block and the notice period, nothing changed.
    assert amendment.model_copy(update={"version": msa.version, "renewal": msa.renewal}) == msa


def test_the_statement_of_work_sits_under_the_master_with_optional_renewal() -> None:
    msa = load("northwind-msa.yaml")
    sow = load("northwind-sow-service-desk.yaml")
    assert sow.contract.kind is ContractKind.STATEMENT_OF_WORK
    assert sow.contract.parent == msa.contract.reference
    assert sow.renewal.kind is RenewalKind.OPTIONAL


def test_the_contoso_contract_is_a_supplier_side_evergreen_in_json() -> None:
    bpo = load("contoso-bpo-evergreen.json")
    assert bpo.contract.our_role is OurRole.SUPPLIER
    assert bpo.renewal.kind is RenewalKind.EVERGREEN
    assert bpo.contract.currency == "USD"
    assert bpo.latest_end is None

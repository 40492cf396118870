"""The terms language: contract terms as a validated YAML or JSON document.

One language for the UI, the API, the CLI and files. A document is a mapping of
top-level sections (``pactline``, ``contract``, ``version``, ``term``,
``renewal``, ``calendar``), validated by :class:`TermsDocument`.

Read with :func:`load_terms` / :func:`load_terms_file`, check already-parsed data
(an API body) with :func:`validate_terms_data`, write with :func:`dump_terms`.
Problems raise :class:`TermsError`, whose ``issues`` each name a field path and,
where known, a line: ``renewal.notice.period: must be less than the term (line 14)``.
"""

from pactline.terms.calendars import holiday_names
from pactline.terms.errors import TermsError, TermsIssue
from pactline.terms.jsonschema import terms_json_schema
from pactline.terms.loader import (
    TermsFormat,
    dump_terms,
    issues_from_validation_error,
    load_terms,
    load_terms_file,
    validate_terms_data,
)
from pactline.terms.schema import (
    FORMAT_VERSION,
    Calendar,
    Contract,
    ContractKind,
    ContractValues,
    Counterparty,
    EndConvention,
    NonBusinessDay,
    Notice,
    NoticeGivenBy,
    NoticeUnit,
    OurRole,
    Owners,
    Person,
    Renewal,
    RenewalKind,
    Term,
    TermsDocument,
    TermsVersion,
)

__all__ = [
    "FORMAT_VERSION",
    "Calendar",
    "Contract",
    "ContractKind",
    "ContractValues",
    "Counterparty",
    "EndConvention",
    "NonBusinessDay",
    "Notice",
    "NoticeGivenBy",
    "NoticeUnit",
    "OurRole",
    "Owners",
    "Person",
    "Renewal",
    "RenewalKind",
    "Term",
    "TermsDocument",
    "TermsError",
    "TermsFormat",
    "TermsIssue",
    "TermsVersion",
    "dump_terms",
    "holiday_names",
    "issues_from_validation_error",
    "load_terms",
    "load_terms_file",
    "terms_json_schema",
    "validate_terms_data",
]

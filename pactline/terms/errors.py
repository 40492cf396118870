"""Errors found in a terms document, each tied to a field path and, where known, a line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["TermsError", "TermsIssue"]


@dataclass(frozen=True, slots=True)
class TermsIssue:
    """One problem in a terms document.

    ``path`` is the dotted path of the field at fault (``renewal.notice.period``,
    ``contract.people[0].email``), or ``""`` for the document as a whole (a syntax
    error, say). ``line`` is 1-based, or ``None`` when the field is not in the text
    (a required field that is missing at the top level) or the text had no lines.
    """

    path: str
    message: str
    line: int | None = None
    source: str = "<string>"

    def __str__(self) -> str:
        return self.format()

    def format(self, *, with_source: bool = False) -> str:
        """``renewal.notice.period: must be less than the term (line 14)``.

        With ``with_source``, the source comes first: ``examples/x.yaml: renewal...``.
        """
        text = f"{self.path}: {self.message}" if self.path else self.message
        if self.line is not None:
            text += f" (line {self.line})"
        if with_source:
            text = f"{self.source}: {text}"
        return text

    def to_dict(self) -> dict[str, str | int | None]:
        """The issue as plain JSON-ready data."""
        return {
            "source": self.source,
            "path": self.path,
            "line": self.line,
            "message": self.message,
        }


class TermsError(ValueError):
    """A terms document could not be read or is not valid. Carries every issue found."""

    def __init__(self, issues: Iterable[TermsIssue]) -> None:
        self.issues: list[TermsIssue] = list(issues)
        if not self.issues:
            raise ValueError("TermsError needs at least one issue")
        super().__init__(self._summary())

    @property
    def source(self) -> str:
        """The source (file name or ``<string>``) of the first issue."""
        return self.issues[0].source

    def _summary(self) -> str:
        count = len(self.issues)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{self.source}: {count} {noun} in the terms"]
        lines.extend(f"  {issue}" for issue in self.issues)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self._summary()

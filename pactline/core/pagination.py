"""One pagination convention for lists: ?limit=&offset=, answered with items and a total."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@dataclass(frozen=True)
class PageParams:
    """Which slice of a list to return."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
        if self.offset < 0:
            raise ValueError("offset must not be negative")


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A slice of a list and the size of the whole list."""

    items: list[T]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class RowPage:
    """A slice of query rows, before conversion to schemas."""

    rows: list[Any]
    total: int
    limit: int
    offset: int


def paginate(session: Session, statement: Select[Any], params: PageParams) -> RowPage:
    """Run `statement` for one page and count the whole result in the database."""
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    rows = list(session.scalars(statement.limit(params.limit).offset(params.offset)))
    return RowPage(rows=rows, total=total or 0, limit=params.limit, offset=params.offset)

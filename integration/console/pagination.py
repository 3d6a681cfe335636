"""Keyset pagination: pages follow a cursor (the sort value and id of the last row seen)
instead of an offset, and nothing is counted. Every page costs the same, the first or
the ten-thousandth, as long as an index serves the sort."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_ID = 2**63 - 1  # the largest primary key (a signed 64-bit integer)


@dataclass(frozen=True)
class Sort:
    field: str
    descending: bool
    label: str

    @property
    def ordering(self) -> list[str]:
        sign = "-" if self.descending else ""
        return [f"{sign}{self.field}", f"{sign}id"]


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None  # the following page, or None at the end
    previous_cursor: str | None  # the page before, or None at the start

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.previous_cursor)


def encode_cursor(value: datetime, pk: int) -> str:
    return f"{(value - EPOCH) // timedelta(microseconds=1)}.{pk}"


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    """The position a cursor names; None for one that names no possible row (edited by
    hand, or beyond what a date or a database key can hold): the page then starts over."""
    try:
        micros, pk = (int(part) for part in cursor.split("."))
        moment = EPOCH + timedelta(microseconds=micros)
    except (ValueError, OverflowError):
        return None
    return (moment, pk) if 0 < pk <= MAX_ID else None


def parse_id(value: str | None) -> int | None:
    """A record id given as a query parameter; None if it cannot be one. (str.isdigit
    alone is not enough: "²" is a digit that int() refuses.)"""
    if not value or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def _beyond(sort: Sort, value: datetime, pk: int, forward: bool) -> Q:
    """Rows strictly after (value, pk) in the direction of travel. The redundant
    lte/gte bound lets the database start the index scan at the cursor."""
    later = forward != sort.descending
    op = "gt" if later else "lt"
    bound = "gte" if later else "lte"
    name = sort.field
    return Q(**{f"{name}__{bound}": value}) & (
        Q(**{f"{name}__{op}": value}) | Q(**{name: value, f"id__{op}": pk})
    )


def keyset_page(
    queryset: QuerySet,
    sort: Sort,
    size: int,
    after: str | None = None,
    before: str | None = None,
) -> Page:
    """One page of `queryset` in `sort` order, after or before a cursor."""
    position = decode_cursor(before) if before else decode_cursor(after) if after else None
    backwards = bool(before) and position is not None
    if position:
        queryset = queryset.filter(_beyond(sort, *position, forward=not backwards))
    ordering = sort.ordering
    if backwards:
        ordering = [name[1:] if name.startswith("-") else f"-{name}" for name in ordering]
    rows = list(queryset.order_by(*ordering)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    if not rows:
        return Page([], None, None)
    first = encode_cursor(getattr(rows[0], sort.field), rows[0].pk)
    last = encode_cursor(getattr(rows[-1], sort.field), rows[-1].pk)
    if backwards:
        return Page(rows, next_cursor=last, previous_cursor=first if more else None)
    return Page(
        rows, next_cursor=last if more else None, previous_cursor=first if position else None
    )

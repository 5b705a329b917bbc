"""One page of a list: what a paginated page shows and the page numbers to offer.

The same attributes as Flask-SQLAlchemy's Pagination (page, pages, total, items, has_prev,
has_next, prev_num, next_num, iter_pages), so one template partial lays out either.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

PER_PAGE = 50


def page_number(text: str | None) -> int:
    """Read a page number from a query string: 1 unless it is a whole number from 1 up."""
    return int(text) if text and text.isascii() and text.isdigit() and 0 < len(text) < 7 \
        and int(text) > 0 else 1


@dataclass(frozen=True)
class PageOf(Generic[T]):
    """One page of a list already in memory."""

    all_items: Sequence[T]
    page: int
    per_page: int = PER_PAGE

    @property
    def total(self) -> int:
        return len(self.all_items)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def items(self) -> list[T]:
        start = (min(self.page, self.pages) - 1) * self.per_page
        return list(self.all_items[start:start + self.per_page])

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def iter_pages(self, *, left_edge: int = 2, left_current: int = 2, right_current: int = 4,
                   right_edge: int = 2) -> Iterator[int | None]:
        """Page numbers to show, None where some are left out (as Flask-SQLAlchemy does)."""
        previous = 0
        for number in range(1, self.pages + 1):
            if number <= left_edge or number > self.pages - right_edge or \
                    self.page - left_current <= number < self.page + right_current + 1:
                if previous and number != previous + 1:
                    yield None
                yield number
                previous = number


#: How far past the page asked for a trail of events is counted: ten pages.
PAGES_COUNTED_AHEAD = 10


@dataclass(frozen=True)
class CountedPage(Generic[T]):
    """One page read from the database, with the rows counted only so far past it.

    Counting every row of a long trail (851,405 audit events: 50 ms, however it is indexed)
    costs more than reading the page; what the reader needs is the pages near this one. So the
    count stops at `bound` rows: while there are no more than that the page is exactly a
    Flask-SQLAlchemy Pagination; past it `more` is true and pages/total are what is known
    to be there ("page 1 of 11 or more").
    """

    items: list[T]
    page: int
    per_page: int
    counted: int  # rows counted, at most bound + 1
    bound: int

    @property
    def more(self) -> bool:
        return self.counted > self.bound

    @property
    def total(self) -> int:
        return min(self.counted, self.bound)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or self.more

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def iter_pages(self, *, left_edge: int = 2, left_current: int = 2, right_current: int = 4,
                   right_edge: int = 2) -> Iterator[int | None]:
        """Page numbers to show, None where some are left out (as Flask-SQLAlchemy does)."""
        return PageOf(range(self.total), self.page, self.per_page).iter_pages(
            left_edge=left_edge, left_current=left_current, right_current=right_current,
            right_edge=right_edge)

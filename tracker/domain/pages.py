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

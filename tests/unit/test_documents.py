"""Prepared documents: when a kept file is still current, and sizes in words (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tracker.domain.documents import DocumentKind, file_size, freshness, parse


def test_freshness_rule():
    morning = datetime(2025, 6, 2, 8, tzinfo=UTC)
    assert freshness(prepared_at=morning, based_on=7, latest_change=7,
                     today=date(2025, 6, 2)).current
    assert not freshness(prepared_at=morning, based_on=7, latest_change=8,
                         today=date(2025, 6, 2)).current
    late = datetime(2025, 6, 1, 23, 30, tzinfo=UTC)  # 12:30am on 2 June in London
    assert freshness(prepared_at=late, based_on=0, latest_change=0, today=date(2025, 6, 2)).current


@pytest.mark.parametrize("size, words", [(830, "830 bytes"), (245_400, "245 KB"),
                                         (1_230_000, "1.2 MB")])
def test_file_sizes_in_words(size, words):
    assert file_size(size) == words


def test_only_the_documents_there_are_can_be_named():
    assert parse("board-pack", "pdf") == (DocumentKind.BOARD_PACK, "pdf")
    assert parse("sc-wres-report", "docx") == (DocumentKind.ANNUAL_REPORT, "docx")
    assert parse("board-pack", "docx") is None and parse("minutes", "pdf") is None

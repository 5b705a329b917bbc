"""The data return is read back by the counts import as the same counts."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from tracker.demo.figures import template_rows
from tracker.domain.counts import TEMPLATE_COLUMNS, counts_from_rows, read_counts_template
from tracker.domain.data_return import return_bytes, return_frame


@pytest.fixture
def counts():
    return {area: c.to_dict() for area, c in counts_from_rows(template_rows()).items()}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_councils_return_reads_back_as_its_counts(counts, fmt):
    body = return_bytes(return_frame([(None, counts)]), fmt)
    back = read_counts_template(body, f"return.{fmt}")
    assert {area: c.to_dict() for area, c in back.items()} == counts


def test_the_programmes_return_names_each_council_and_each_part_reads_back(counts):
    frame = return_frame([("northshire", counts), ("westmere", counts)])
    assert list(frame.columns) == ["organisation", *TEMPLATE_COLUMNS]
    body = return_bytes(frame, "csv")
    table = pd.read_csv(io.BytesIO(body), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    one = table[table["organisation"] == "westmere"].drop(columns="organisation")
    back = read_counts_template(one.to_csv(index=False).encode(), "westmere.csv")
    assert {area: c.to_dict() for area, c in back.items()} == counts


def test_a_return_of_all_staff_only_stays_all_staff():
    rows = [{**r, "service_area": "all"} for r in template_rows() if r["service_area"] == "adults"]
    counts = {a: c.to_dict() for a, c in counts_from_rows(rows).items()}
    back = read_counts_template(return_bytes(return_frame([(None, counts)]), "csv"), "r.csv")
    assert set(back) == {"all"} and back["all"].to_dict() == counts["all"]

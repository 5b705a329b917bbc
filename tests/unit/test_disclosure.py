"""Disclosure control: primary and secondary suppression, and the publish check's linear programs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.domain.disclosure import (
    CountTable,
    DisclosureError,
    Publication,
    Relation,
    _Ranges,
    check_publication,
    require_safe,
    suppress,
    withheld_reason,
)

T = 10


def two_way(cells: list[list[int]]) -> CountTable:
    """A table with its row totals, column totals and grand total, all shown."""
    counts, relations = {}, []
    rows, cols = len(cells), len(cells[0])
    for r in range(rows):
        for c in range(cols):
            counts[("cell", r, c)] = cells[r][c]
    for r in range(rows):
        counts[("row", r)] = sum(cells[r])
        relations.append(Relation.total(("row", r), [("cell", r, c) for c in range(cols)]))
    for c in range(cols):
        counts[("col", c)] = sum(cells[r][c] for r in range(rows))
        relations.append(Relation.total(("col", c), [("cell", r, c) for r in range(rows)]))
    counts["all"] = sum(map(sum, cells))
    relations.append(Relation.total("all", [("row", r) for r in range(rows)]))
    return CountTable(counts, frozenset(counts), tuple(relations))


def naive(table: CountTable, threshold: int = T) -> Publication:
    """Primary suppression only: what a careless publication would show."""
    small = frozenset(k for k in table.shown if table.counts[k] < threshold)
    return Publication(threshold, {k: table.counts[k] for k in table.shown if k not in small},
                       small, frozenset())


# -- worked cases ---------------------------------------------------------------------------------


def test_a_small_part_beside_its_total_and_the_other_part_is_given_away_and_then_protected():
    table = CountTable({"adults": 9, "children": 231, "all": 240},
                       frozenset({"adults", "children", "all"}),
                       (Relation.total("all", ["adults", "children"]),))
    exposures = check_publication(table, naive(table))
    assert [(e.key, e.low, e.high) for e in exposures] == [("adults", 9, 9)]

    publication = suppress(table)
    assert publication.fewer_than == {"adults"}
    assert publication.withheld == {"children"}
    assert publication.values == {"all": 240}
    assert publication.words("adults") == "fewer than 10"
    assert publication.words("children") == "withheld"
    assert check_publication(table, publication) == []


def test_two_small_counts_beside_their_total_give_each_other_away_with_the_words():
    # 9 + 9 = 18: from the numbers alone each could be 0 to 18, but "fewer than 10" says both
    # are at most 9, so both must be 9. The check sees it; suppression withholds the total.
    table = CountTable({"a": 9, "b": 9, "total": 18}, frozenset({"a", "b", "total"}),
                       (Relation.total("total", ["a", "b"]),))
    exposures = check_publication(table, naive(table))
    assert {(e.key, e.low, e.high, e.with_words) for e in exposures} == {
        ("a", 9, 9, True), ("b", 9, 9, True)}
    publication = suppress(table)
    assert publication.withheld == {"total"}
    assert check_publication(table, publication) == []


def test_the_hidden_rest_of_a_denominator_is_protected_too():
    # 238 of 240 appointed: the 2 not appointed are shown by subtraction.
    table = CountTable({"appointed": 238, "shortlisted": 240, "not": 2},
                       frozenset({"appointed", "shortlisted"}),
                       (Relation.total("shortlisted", ["appointed", "not"]),))
    assert [e.key for e in check_publication(table, naive(table))] == ["not"]
    publication = suppress(table)
    assert publication.withheld == {"appointed"}
    assert publication.values == {"shortlisted": 240}


def test_a_subset_relation_bounds_the_range():
    # 5 regulated professionals among 12 staff, 7 others: "5 of 12" with the rest hidden.
    table = CountTable({"regulated": 5, "staff": 12, "others": 7},
                       frozenset({"regulated", "staff"}),
                       (Relation.total("staff", ["regulated", "others"]),
                        Relation.at_most("regulated", "staff")))
    publication = suppress(table)
    assert check_publication(table, publication) == []
    assert publication.values == {}  # 12 with "fewer than 10" beside it would pin both


def test_a_publication_showing_a_small_count_is_refused():
    table = CountTable({"a": 3}, frozenset({"a"}))
    bad = Publication(T, {"a": 3}, frozenset(), frozenset())
    with pytest.raises(DisclosureError) as error:
        require_safe(table, bad)
    assert "a is shown although it is fewer than 10" in str(error.value)


def test_a_publication_must_say_the_truth_of_each_shown_count():
    table = CountTable({"a": 30, "b": 3}, frozenset({"a", "b"}))
    with pytest.raises(ValueError, match="not its count"):
        check_publication(table, Publication(T, {"a": 31}, frozenset({"b"}), frozenset()))
    with pytest.raises(ValueError, match="exactly one thing"):
        check_publication(table, Publication(T, {"a": 30}, frozenset(), frozenset()))
    with pytest.raises(ValueError, match="is said to be fewer than 10"):
        check_publication(table, Publication(T, {}, frozenset({"a", "b"}), frozenset()))


def test_relations_must_hold_in_the_data():
    with pytest.raises(ValueError, match="does not hold"):
        CountTable({"a": 1, "b": 2, "t": 4}, frozenset({"t"}), (Relation.total("t", ["a", "b"]),))
    with pytest.raises(ValueError, match="whole number"):
        CountTable({"a": -1}, frozenset())


def test_figures_computed_from_withheld_counts_are_withheld_with_the_reason():
    table = CountTable({"a": 3, "b": 40, "c": 50}, frozenset({"a", "b", "c"}))
    publication = suppress(table)
    assert withheld_reason(publication, ["b", "c"]) is None
    assert withheld_reason(publication, ["a", "b"]) == (
        "not shown: it is based on a number fewer than 10")


def test_the_threshold_is_configurable():
    table = CountTable({"a": 7, "b": 40, "t": 47}, frozenset({"a", "b", "t"}),
                       (Relation.total("t", ["a", "b"]),))
    assert suppress(table, threshold=5).values == {"a": 7, "b": 40, "t": 47}
    assert suppress(table, threshold=10).fewer_than == {"a"}


# -- properties -----------------------------------------------------------------------------------

count = st.one_of(st.integers(0, 12), st.integers(0, 400))
tables = st.integers(1, 3).flatmap(lambda rows: st.integers(2, 3).flatmap(
    lambda cols: st.lists(st.lists(count, min_size=cols, max_size=cols),
                          min_size=rows, max_size=rows)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables, st.sampled_from([5, 10]))
def test_suppression_always_passes_the_publish_check_and_shows_no_small_number(cells, threshold):
    table = two_way(cells)
    publication = suppress(table, threshold)
    assert check_publication(table, publication) == []
    assert all(value >= threshold for value in publication.values.values())
    assert publication.fewer_than == {k for k in table.shown if table.counts[k] < threshold}
    assert publication.withheld.isdisjoint(publication.fewer_than)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(count, min_size=2, max_size=4), st.integers(0, 3))
def test_one_small_part_among_published_parts_and_total_is_always_caught(parts, small_at):
    small_at %= len(parts)
    parts[small_at] = min(parts[small_at], T - 1)
    parts = [p if i == small_at else p + T for i, p in enumerate(parts)]
    keys = [("part", i) for i in range(len(parts))]
    counts = dict(zip(keys, parts, strict=True)) | {"total": sum(parts)}
    table = CountTable(counts, frozenset(counts), (Relation.total("total", keys),))
    exposed = {e.key for e in check_publication(table, naive(table))}
    assert ("part", small_at) in exposed
    assert check_publication(table, suppress(table)) == []


def _integer_range(cells: list[list[int]], publication: Publication, key, bound: int):
    """Every whole-number 2x2 table up to `bound` that agrees with the published figures."""
    grid = np.array(list(itertools.product(range(bound + 1), repeat=4)))
    a, b, c, d = grid.T
    derived = {("cell", 0, 0): a, ("cell", 0, 1): b, ("cell", 1, 0): c, ("cell", 1, 1): d,
               ("row", 0): a + b, ("row", 1): c + d, ("col", 0): a + c, ("col", 1): b + d,
               "all": a + b + c + d}
    keep = np.ones(len(grid), dtype=bool)
    for k, value in publication.values.items():
        keep &= derived[k] == value
    values = derived[key][keep]
    return int(values.min()), int(values.max())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.integers(0, 6), min_size=2, max_size=2), min_size=2, max_size=2))
def test_the_linear_programs_agree_with_counting_every_possible_table(cells):
    # On small 2x2 tables (threshold 5), enumerate every whole-number table that agrees with
    # what is published: the LP's range of each withheld cell is exactly the whole-number range.
    table = two_way(cells)
    publication = suppress(table, threshold=5)
    bound = 24  # no cell can exceed the grand total, at most 4 x 6

    ranges = _Ranges(table, publication.values, {}, {})
    for r, c in itertools.product(range(2), range(2)):
        key = ("cell", r, c)
        if publication.is_published(key):
            continue
        low, high = ranges.range_of(key)
        whole_low, whole_high = _integer_range(cells, publication, key, bound)
        assert low == pytest.approx(whole_low)
        assert min(high, bound) == pytest.approx(whole_high)

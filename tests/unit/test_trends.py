"""Year-on-year change classification, hand-worked."""

import pytest

from tracker.domain.trends import Point, classify_change, intervals_overlap, national_year_for, trend


def p(label, rl, lo=None, hi=None, rating=None):
    return Point(label, rl, (lo, hi) if lo is not None else None, rating)


@pytest.mark.parametrize("a, b, expected", [
    ((1.0, 2.0), (1.5, 3.0), True), ((1.0, 2.0), (2.0, 3.0), True),
    ((1.0, 2.0), (2.01, 3.0), False), ((0.2, 0.5), (0.6, 0.9), False),
])
def test_intervals_overlap(a, b, expected):
    assert intervals_overlap(a, b) is expected
    assert intervals_overlap(b, a) is expected


def test_adverse_indicator_falling_towards_parity_is_better():
    # SCW3 formal disciplinary: 2.5 (2.1-3.0) then 1.3 (1.1-1.6): intervals apart
    change = classify_change(p("2022-23", 2.5, 2.1, 3.0), p("2023-24", 1.3, 1.1, 1.6),
                             better_when="lower")
    assert (change.movement, change.for_gm, change.compared_with) == ("towards", "better",
                                                                      "2022-23")


def test_adverse_indicator_rising_away_from_parity_is_worse():
    change = classify_change(p("a", 1.2, 1.0, 1.4), p("b", 2.0, 1.7, 2.4), better_when="lower")
    assert (change.movement, change.for_gm) == ("away", "worse")


def test_favourable_indicator_rising_towards_parity_is_better():
    # SCW2 appointed from shortlisting: 0.31 (0.25-0.38) then 0.60 (0.52-0.70)
    change = classify_change(p("a", 0.31, 0.25, 0.38), p("b", 0.60, 0.52, 0.70),
                             better_when="higher")
    assert (change.movement, change.for_gm) == ("towards", "better")


def test_favourable_indicator_falling_away_is_worse():
    change = classify_change(p("a", 0.9, 0.8, 1.0), p("b", 0.5, 0.4, 0.6), better_when="higher")
    assert (change.movement, change.for_gm) == ("away", "worse")


def test_overlapping_intervals_are_no_clear_change():
    change = classify_change(p("a", 1.5, 1.1, 2.0), p("b", 1.2, 0.9, 1.6), better_when="lower")
    assert (change.movement, change.for_gm) == ("no-clear-change", None)
    assert change.note == "the intervals overlap"


def test_crossing_parity_is_judged_by_distance_on_the_log_scale():
    # 1.6 -> 0.7: crossed parity; |ln 0.7| = 0.36 < |ln 1.6| = 0.47, so towards parity
    towards = classify_change(p("a", 1.6, 1.4, 1.8), p("b", 0.7, 0.6, 0.8), better_when="lower")
    assert (towards.movement, towards.for_gm) == ("towards", "better")
    # 1.3 -> 0.5: |ln 0.5| = 0.69 > |ln 1.3| = 0.26: away from parity, the other side
    away = classify_change(p("a", 1.3, 1.2, 1.4), p("b", 0.5, 0.4, 0.6), better_when="lower")
    assert (away.movement, away.for_gm) == ("away", "better")


def test_an_interval_crossing_parity_still_compares_by_overlap():
    change = classify_change(p("a", 0.9, 0.7, 1.15), p("b", 1.8, 1.5, 2.2), better_when="lower")
    assert change.movement == "away"


def test_missing_interval_is_no_clear_change():
    change = classify_change(p("a", 2.0), p("b", 1.0, 0.8, 1.2), better_when="lower")
    assert change.movement == "no-clear-change" and "no events" in change.note


def test_first_and_missing_figures_and_gaps_between_cycles():
    points = [p("2021-22", None), p("2022-23", 2.5, 2.1, 3.0), p("2023-24", None),
              p("2024-25", 1.2, 1.0, 1.4)]
    moves = [(c.movement, c.compared_with) for _, c in trend(points, better_when="lower")]
    # the 2024-25 figure is compared with 2022-23, skipping the missing 2023-24
    assert moves == [("no-figure", None), ("first", None), ("no-figure", "2022-23"),
                     ("towards", "2022-23")]


def test_national_year_for_a_cycle():
    assert national_year_for("2023-24") == "2024"
    assert national_year_for("2022-23") == "2023"

"""A cycle's SC-WRES figures made safe to publish: no small number shown or derivable."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.demo.figures import template_rows
from tracker.domain.counts import counts_from_rows
from tracker.domain.definitions import SERIES_IDS
from tracker.domain.disclosure import check_publication
from tracker.domain.indicators import compute_results
from tracker.domain.public_figures import apply_publication, publication_of, safe_results


def _cycle(rows):
    counts = counts_from_rows(rows)
    return ({area: c.to_dict() for area, c in counts.items()},
            {area: compute_results(c).to_dict() for area, c in counts.items()})


def _counts_shown(safe: dict):
    """Every count the safe results still show, with where it is."""
    for area, result in safe.items():
        for sid in SERIES_IDS:
            entry = result["indicators"][sid]
            for group in ("gm", "white", "unknown"):
                for part in ("numerator", "denominator"):
                    yield (area, sid, group, part), entry[group][part]
        scw1 = result["indicators"]["SCW1"]
        for group, value in scw1["total"].items():
            yield (area, "SCW1 total", group), value
        for band, figures in scw1["bands"].items():
            for group in ("gm", "white", "unknown"):
                yield (area, "SCW1", band, group), figures[group]


@pytest.fixture(scope="module")
def demo_cycle():
    counts, results = _cycle(template_rows())
    return counts, results, safe_results(counts, results)


def test_the_demo_shows_no_count_below_ten(demo_cycle):
    _, _, safe = demo_cycle
    shown = {where: value for where, value in _counts_shown(safe) if value is not None}
    assert shown, "something must still be shown"
    assert {where: v for where, v in shown.items() if v < 10} == {}


def test_small_counts_read_fewer_than_ten_and_their_figures_are_withheld(demo_cycle):
    _, results, safe = demo_cycle
    # Adults' SCW4: 3 of 120 global majority and 4 of 260 white professionals referred.
    entry = safe["adults"]["indicators"]["SCW4"]
    assert entry["gm"]["numerator"] is None
    assert entry["withheld"]["gm.numerator"] == "fewer than 10"
    assert entry["rl"] is None and entry["ci95"] is None and entry["rating"] is None
    assert entry["status"] == "withheld"
    assert entry["withheld"]["rl"] == "not shown: it is based on a number fewer than 10"
    assert results["adults"]["indicators"]["SCW4"]["rl"] is not None  # the real figure exists


def test_what_is_shown_is_the_real_figure(demo_cycle):
    _, results, safe = demo_cycle
    # SCW2 adults: 43 of 290 and 117 of 250: large enough to show, with the RL.
    entry, real = safe["adults"]["indicators"]["SCW2"], results["adults"]["indicators"]["SCW2"]
    if entry["rl"] is not None:
        assert entry["rl"] == real["rl"] and entry["ci95"] == real["ci95"]
    for group in ("gm", "white"):
        for part in ("numerator", "denominator"):
            value = entry[group][part]
            assert value is None or value == real[group][part]


def test_the_demo_publication_passes_the_publish_check(demo_cycle):
    counts, results, _ = demo_cycle
    table, publication = publication_of(counts, results)
    assert check_publication(table, publication) == []
    # Adults + children = all staff, so a small adults' count forces something beside it out.
    assert publication.withheld


def _random_rows(draw_counts):
    rows = []
    for area, series in draw_counts.items():
        for sid, groups in series.items():
            for group, (numerator, extra) in zip(("gm", "white", "unknown"), groups, strict=True):
                rows.append({"service_area": area, "indicator": sid, "band": "", "group": group,
                             "numerator": numerator, "denominator": numerator + extra})
        for band in ("A", "B"):
            for group in ("gm", "white", "unknown"):
                rows.append({"service_area": area, "indicator": "SCW1", "band": band,
                             "group": group, "numerator": 25, "denominator": None})
    return rows


tally = st.tuples(st.one_of(st.integers(0, 12), st.integers(0, 200)),
                  st.one_of(st.integers(0, 12), st.integers(0, 400)))
area_series = st.fixed_dictionaries({sid: st.tuples(tally, tally, tally)
                                     for sid in ("SCW3", "SCW4", "SCW8")})


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({"adults": area_series, "children": area_series}))
def test_random_cycles_show_no_small_count_and_pass_the_check(series):
    counts, results = _cycle(_random_rows(series))
    table, publication = publication_of(counts, results)
    assert check_publication(table, publication) == []
    safe = apply_publication(counts, results, publication)
    assert all(v is None or v >= 10 for _, v in _counts_shown(safe))

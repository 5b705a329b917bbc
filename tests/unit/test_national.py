"""The national report against an independent computation from the councils' counts."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tracker.demo.figures import template_rows
from tracker.domain.counts import counts_from_rows
from tracker.domain.definitions import SERIES_IDS
from tracker.domain.indicators import compute_results
from tracker.domain.national import Submission, national_figures, national_report, quantile


def _scaled_rows(seed: int, *, small: dict | None = None, areas=("adults", "children")) -> list:
    """The demo's counts scaled by a council's size and jittered, numerators within denominators."""
    rng = random.Random(seed)
    size = rng.uniform(0.6, 3.0)
    rows = []
    for row in template_rows():
        if row["service_area"] not in areas:
            continue
        row = dict(row)
        denominator = row["denominator"]
        if denominator is None:
            row["numerator"] = round(row["numerator"] * size * rng.uniform(0.8, 1.2))
        else:
            denominator = max(1, round(denominator * size * rng.uniform(0.9, 1.1)))
            numerator = min(denominator, round(row["numerator"] * size * rng.uniform(0.5, 1.6)))
            row["numerator"], row["denominator"] = numerator, denominator
        override = (small or {}).get((row["service_area"], row["indicator"], row["group"]))
        if override is not None:
            row["numerator"] = override
        rows.append(row)
    return rows


def _submission(key, rows) -> Submission:
    counts = counts_from_rows(rows)
    return Submission(key, {a: c.to_dict() for a, c in counts.items()},
                      {a: compute_results(c).to_dict() for a, c in counts.items()})


def _councils(n: int, **kwargs) -> list[Submission]:
    return [_submission(f"council-{i}", _scaled_rows(i, **kwargs)) for i in range(n)]


def _rows_of(submissions_rows, area, sid, group):
    found = []
    for rows in submissions_rows:
        areas = ("adults", "children") if area == "all" else (area,)
        picked = [r for r in rows if r["indicator"] == sid and r["group"] == group
                  and r["service_area"] in areas]
        if picked:
            found.append((sum(r["numerator"] for r in picked),
                          sum(r["denominator"] for r in picked)))
    return np.array(found)


@pytest.mark.parametrize("area", ["all", "adults", "children"])
def test_pooled_figures_and_spread_match_an_independent_computation(area):
    all_rows = [_scaled_rows(i) for i in range(12)]
    report = national_report([_submission(i, rows) for i, rows in enumerate(all_rows)])
    for sid in SERIES_IDS:
        gm, white = (_rows_of(all_rows, area, sid, g) for g in ("gm", "white"))
        a, n1 = gm[:, 0].sum(), gm[:, 1].sum()
        c, n2 = white[:, 0].sum(), white[:, 1].sum()
        entry = report[area][sid]
        assert entry["withheld"] == {}, (sid, entry["withheld"])
        assert entry["councils"] == 12
        assert entry["pooled"]["gm"] == {"numerator": a, "denominator": n1}
        assert entry["pooled"]["white"] == {"numerator": c, "denominator": n2}
        rl = (a / n1) / (c / n2)
        se = np.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
        assert entry["pooled"]["rl"] == pytest.approx(rl, rel=1e-12)
        assert entry["pooled"]["ci_low"] == pytest.approx(np.exp(np.log(rl) - 1.96 * se), rel=1e-12)
        assert entry["pooled"]["ci_high"] == pytest.approx(np.exp(np.log(rl) + 1.96 * se), rel=1e-12)
        own = (gm[:, 0] / gm[:, 1]) / (white[:, 0] / white[:, 1])
        own = own[np.isfinite(own)]
        assert entry["councils_with_figure"] == len(own)
        assert entry["median"] == pytest.approx(np.median(own), rel=1e-12)
        assert entry["q1"] == pytest.approx(np.quantile(own, 0.25), rel=1e-12)
        assert entry["q3"] == pytest.approx(np.quantile(own, 0.75), rel=1e-12)
        assert entry["within_range_share"] == pytest.approx(
            np.mean((own >= 0.8) & (own <= 1.25)))


def test_scw1_pools_the_bands_by_label():
    all_rows = [_scaled_rows(i) for i in range(6)]
    report = national_report([_submission(i, rows) for i, rows in enumerate(all_rows)])
    scw1 = report["all"]["SCW1"]
    assert scw1["councils"] == 6
    for band in ("<30k", "30-69k", "70k+"):
        gm = sum(r["numerator"] for rows in all_rows for r in rows
                 if r["indicator"] == "SCW1" and r["band"] == band and r["group"] == "gm")
        white = sum(r["numerator"] for rows in all_rows for r in rows
                    if r["indicator"] == "SCW1" and r["band"] == band and r["group"] == "white")
        assert scw1["bands"][band]["gm_share"] == pytest.approx(gm / (gm + white))
    everyone = [(r["group"], r["numerator"]) for rows in all_rows for r in rows
                if r["indicator"] == "SCW1" and r["group"] in ("gm", "white")]
    gm = sum(n for g, n in everyone if g == "gm")
    assert scw1["gm_share_workforce"] == pytest.approx(gm / sum(n for _, n in everyone))


@pytest.mark.parametrize(("values", "p"), [([3.0], 0.25), ([1.0, 2.0], 0.25), ([5, 1, 4, 2], 0.75),
                                          ([0.3, 1.2, 0.9, 2.5, 1.1], 0.5),
                                          ([0.3, 1.2, 0.9, 2.5, 1.1, 0.7], 0.25)])
def test_quartiles_interpolate_linearly_as_numpy_does(values, p):
    assert quantile(values, p) == pytest.approx(np.quantile(values, p))


def test_fewer_than_five_councils_withholds_every_figure():
    report = national_report(_councils(4))
    for area in ("all", "adults", "children"):
        for sid in SERIES_IDS:
            entry = report[area][sid]
            assert entry["pooled"]["rl"] is None and entry["median"] is None
            assert entry["pooled"]["gm"]["numerator"] is None
            assert entry["withheld"]["pooled"] == "fewer than 5 councils"
            assert entry["withheld"]["median"] == "fewer than 5 councils"
        assert report[area]["SCW1"]["gm_share_workforce"] is None
        assert report[area]["SCW1"]["bands"] == {}


def test_a_pooled_count_below_the_threshold_is_not_shown_nor_its_rl():
    # Every council has at most 1 GM adults' fitness-to-practise referral: 5 in all.
    small = {("adults", "SCW4", "gm"): 1, ("children", "SCW4", "gm"): 0}
    report = national_report(_councils(5, small=small))
    entry = report["adults"]["SCW4"]
    assert entry["pooled"]["gm"]["numerator"] is None
    assert entry["withheld"]["pooled.gm.numerator"] == "fewer than 10"
    assert entry["pooled"]["rl"] is None and entry["pooled"]["ci_low"] is None
    assert entry["withheld"]["pooled.rl"].startswith("not shown")
    # All staff (5) are adults (5) plus children (0): the all-staff count is small too.
    assert report["all"]["SCW4"]["pooled"]["gm"]["numerator"] is None


def test_a_small_count_cannot_be_worked_out_by_subtraction():
    # Adults' GM CPD is small (5 councils x 1); all staff and children are large.
    small = {("adults", "SCW5", "gm"): 1}
    report = national_report(_councils(5, small=small))
    adults, children, everyone = (report[a]["SCW5"]["pooled"] for a in ("adults", "children", "all"))
    assert adults["gm"]["numerator"] is None
    shown = [p["gm"]["numerator"] for p in (children, everyone)]
    assert None in shown, "all staff less children would give the adults' count"
    # and the denominators and the rest do not give it either: numerator = denominator - rest
    assert adults["gm"]["denominator"] is not None  # the denominator alone tells nothing


def test_a_part_of_fewer_than_five_councils_cannot_be_worked_out_by_subtraction():
    # 8 councils; only 4 have children's services: children withheld, so adults must be too
    # (all staff less adults would give the 4 councils' children).
    councils = ([_submission(i, _scaled_rows(i)) for i in range(4)]
                + [_submission(i, _scaled_rows(i, areas=("adults",))) for i in range(4, 8)])
    report = national_report(councils)
    for sid in SERIES_IDS:
        assert report["children"][sid]["withheld"]["pooled"] == "fewer than 5 councils"
        assert report["adults"][sid]["pooled"]["rl"] is None
        assert "subtraction" in report["adults"][sid]["withheld"]["pooled"]
        assert report["all"][sid]["councils"] == 8
        assert report["all"][sid]["pooled"]["rl"] is not None


def test_the_report_names_no_council():
    report = national_report(_councils(6))
    assert "council-" not in repr(report)


def _regional(n_by_region: dict, **kwargs) -> tuple[list[Submission], dict]:
    submissions, rows_by_region, i = [], {}, 0
    for region, n in n_by_region.items():
        for _ in range(n):
            rows = _scaled_rows(i, **kwargs)
            counts = counts_from_rows(rows)
            submissions.append(Submission(
                f"council-{i}", {a: c.to_dict() for a, c in counts.items()},
                {a: compute_results(c).to_dict() for a, c in counts.items()},
                region=region, kind="unitary" if i % 2 else "county"))
            rows_by_region.setdefault(region, []).append(rows)
            i += 1
    return submissions, rows_by_region


def test_breakdowns_pool_each_group_of_five_or_more_councils():
    submissions, rows = _regional({"London": 6, "North West": 6})
    figures = national_figures(submissions)
    regions = figures.breakdowns["region"]
    assert set(regions) == {"London", "North West"}
    for region in regions:
        gm, white = (_rows_of(rows[region], "all", "SCW3", g) for g in ("gm", "white"))
        pooled = regions[region]["SCW3"]["pooled"]
        assert pooled["gm"] == {"numerator": gm[:, 0].sum(), "denominator": gm[:, 1].sum()}
        assert pooled["rl"] == pytest.approx((gm[:, 0].sum() / gm[:, 1].sum())
                                             / (white[:, 0].sum() / white[:, 1].sum()))
        assert regions[region]["SCW3"]["councils"] == 6
    assert set(figures.breakdowns["kind"]) == {"county", "unitary"}


def test_a_group_of_fewer_than_five_is_not_shown_nor_left_to_subtraction():
    submissions, _ = _regional({"London": 6, "North West": 3})
    figures = national_figures(submissions)
    # North West has 3 councils; London shown beside the nation would give them away.
    assert figures.breakdowns["region"] == {}
    assert figures.report["all"]["SCW3"]["pooled"]["rl"] is not None
    submissions, _ = _regional({"London": 6, "North West": 5, "South West": 6})
    assert set(national_figures(submissions).breakdowns["region"]) == {
        "London", "North West", "South West"}


def test_a_groups_small_count_cannot_be_worked_out_from_the_nation_and_the_others():
    london, _ = _regional({"London": 5}, small={("adults", "SCW4", "gm"): 1,
                                                  ("children", "SCW4", "gm"): 0})
    others, _ = _regional({"North West": 6})
    for s in others:  # other keys than London's
        object.__setattr__(s, "council", f"nw-{s.council}")
    figures = national_figures(london + others)
    london_scw4 = figures.breakdowns["region"]["London"]["SCW4"]["pooled"]
    assert london_scw4["gm"]["numerator"] is None  # 5: fewer than 10
    national = figures.report["all"]["SCW4"]["pooled"]["gm"]["numerator"]
    north_west = figures.breakdowns["region"]["North West"]["SCW4"]["pooled"]["gm"]["numerator"]
    assert national is None or north_west is None, "the nation less North West gives London"


def test_the_funnel_limits_match_an_independent_computation():
    from scipy.stats import norm

    from tracker.domain.national import funnel
    all_rows = [_scaled_rows(i) for i in range(8)]
    submissions = [_submission(i, rows) for i, rows in enumerate(all_rows)]
    shape = funnel(submissions, own=3, area="all", sid="SCW3")
    gm, white = (_rows_of(all_rows, "all", "SCW3", g) for g in ("gm", "white"))
    a, n1, c, n2 = gm[:, 0].sum(), gm[:, 1].sum(), white[:, 0].sum(), white[:, 1].sum()
    assert shape.pooled == pytest.approx((a / n1) / (c / n2))
    sizes = gm[:, 1] + white[:, 1]
    own_rl = (gm[3, 0] / gm[3, 1]) / (white[3, 0] / white[3, 1])
    assert shape.own == (sizes[3], pytest.approx(own_rl))
    assert len(shape.points) == 8
    p1, p2, g = a / n1, c / n2, n1 / (n1 + n2)
    for z_name, level in (("95", 0.975), ("99.8", 0.999)):
        z = norm.ppf(level)
        for n, (low, high) in zip(shape.sizes, shape.limits[z_name], strict=True):
            se = np.sqrt((1 - p1) / (p1 * n * g) + (1 - p2) / (p2 * n * (1 - g)))
            assert low == pytest.approx(shape.pooled * np.exp(-z * se), rel=1e-5)
            assert high == pytest.approx(shape.pooled * np.exp(z * se), rel=1e-5)
    assert "council" not in repr(shape.points)


@pytest.mark.parametrize(("rl", "quarter"), [(0.5, 1), (0.8, 1), (0.9, 2), (1.0, 2), (1.1, 3),
                                             (1.3, 4)])
def test_a_councils_quartile(rl, quarter):
    from tracker.domain.national import quartile_of
    assert quartile_of(rl, 0.8, 1.0, 1.2) == quarter

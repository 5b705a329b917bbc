"""Indicator maths: rates, relative likelihoods, states, ratings, intervals, SCW1 and SCW9."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tracker.domain.counts import BandCounts, Counts, Declaration, SeriesCounts, Tally
from tracker.domain.definitions import INDICATORS, SERIES_IDS
from tracker.domain.indicators import (
    INDICATORS_BY_ID,
    ExtractValidationError,
    compute_all,
    compute_results,
    confidence_interval,
    evaluate_series,
    gm_share,
    is_low_confidence,
    pay_band_representation,
    rate,
    rating,
    relative_likelihood,
    senior_manager_gap_pp,
    status,
)

FAVOURABLE = ["SCW2", "SCW5", "SCW9"]
ADVERSE_OUTCOME = ["SCW3", "SCW4", "SCW6", "SCW7a", "SCW7b", "SCW8"]


def s(gm: tuple[int, int], white: tuple[int, int], unknown: tuple[int, int] = (0, 0)):
    return SeriesCounts(Tally(*gm), Tally(*white), Tally(*unknown))


# -- rates and relative likelihood --------------------------------------------------------------


def test_rate():
    assert rate(3, 12) == 0.25
    assert rate(0, 5) == 0.0
    assert rate(0, 0) is None


def test_relative_likelihood_is_gm_rate_over_white_rate():
    assert relative_likelihood(10, 100, 20, 100) == 0.5  # 10% / 20%
    assert relative_likelihood(14, 100, 10, 100) == pytest.approx(1.4)  # "40% more likely"
    assert relative_likelihood(7, 50, 30, 300) == pytest.approx(1.4)  # 14% / 10%


def test_worked_check_of_domain_md():
    # Appointment rates of 14.65% (GM) and 46.99% (white): RL 0.31; 3.21 in the NHS form.
    scw2 = evaluate_series("SCW2", s((1465, 10_000), (4699, 10_000)))
    assert round(scw2.rl, 2) == 0.31
    assert scw2.rating == "adverse"
    nhs = scw2.oriented("nhs")
    assert round(nhs.rl, 2) == 3.21
    assert nhs.rating == "adverse"  # same meaning: GM applicants are less likely appointed


@pytest.mark.parametrize("counts, expected", [
    ((0, 0, 5, 10), "no-data"),
    ((3, 10, 0, 0), "no-data"),
    ((0, 0, 0, 0), "no-data"),
    ((0, 10, 0, 20), "no-events"),
    ((3, 10, 0, 20), "not-calculable"),
    ((0, 10, 5, 20), "ok"),
    ((3, 10, 5, 20), "ok"),
])
def test_status(counts, expected):
    assert status(*counts) == expected


@pytest.mark.parametrize("counts", [(0, 0, 5, 10), (0, 10, 0, 20), (3, 10, 0, 20)])
def test_undefined_states_have_no_rl_rating_or_interval(counts):
    a, n1, c, n2 = counts
    result = evaluate_series("SCW3", s((a, n1), (c, n2)))
    assert (result.rl, result.rating, result.ci95) == (None, None, None)
    assert relative_likelihood(*counts) is None
    assert confidence_interval(*counts) is None


def test_no_gm_events_is_an_rl_of_zero_without_an_interval():
    favourable = evaluate_series("SCW2", s((0, 10), (5, 20)))
    assert (favourable.status, favourable.rl, favourable.ci95) == ("ok", 0.0, None)
    assert favourable.rating == "adverse"  # no GM applicant appointed
    assert evaluate_series("SCW3", s((0, 10), (5, 20))).rating == "reverse"


def test_impossible_counts_are_refused():
    with pytest.raises(ValueError):
        rate(5, 4)
    with pytest.raises(ValueError):
        status(-1, 4, 1, 4)


# -- rating -------------------------------------------------------------------------------------


@pytest.mark.parametrize("rl", [0.8, 0.80, 1.0, 1.25])
@pytest.mark.parametrize("better_when", ["higher", "lower"])
def test_rating_bounds_are_within(rl, better_when):
    assert rating(rl, better_when) == "within"


@pytest.mark.parametrize("rl, better_when, expected", [
    (0.7999999999999999, "higher", "adverse"),   # favourable outcome, GM less likely
    (0.7999999999999999, "lower", "reverse"),    # adverse outcome, GM less likely
    (1.2500000000000002, "lower", "adverse"),    # adverse outcome, GM more likely
    (1.2500000000000002, "higher", "reverse"),   # favourable outcome, GM more likely
    (0.0, "higher", "adverse"),
    (3.0, "lower", "adverse"),
])
def test_rating_just_outside_the_bounds(rl, better_when, expected):
    assert rating(rl, better_when) == expected


@pytest.mark.parametrize("indicator", FAVOURABLE + ADVERSE_OUTCOME)
def test_exact_rls_of_0_80_and_1_25_from_counts_are_within(indicator):
    assert evaluate_series(indicator, s((8, 100), (10, 100))).rating == "within"   # 0.80
    assert evaluate_series(indicator, s((25, 100), (20, 100))).rating == "within"  # 1.25
    assert evaluate_series(indicator, s((4, 30), (5, 30))).rating == "within"      # 0.80


@pytest.mark.parametrize("indicator", FAVOURABLE)
def test_favourable_outcomes_are_adverse_below_0_80(indicator):
    assert evaluate_series(indicator, s((79, 1000), (100, 1000))).rating == "adverse"  # 0.79
    assert evaluate_series(indicator, s((1251, 10_000), (1000, 10_000))).rating == "reverse"


@pytest.mark.parametrize("indicator", ADVERSE_OUTCOME)
def test_adverse_outcomes_are_adverse_above_1_25(indicator):
    assert evaluate_series(indicator, s((1251, 10_000), (1000, 10_000))).rating == "adverse"
    assert evaluate_series(indicator, s((79, 1000), (100, 1000))).rating == "reverse"


def test_rating_needs_a_direction():
    with pytest.raises(ValueError):
        rating(1.0, "sideways")


# -- confidence interval and low confidence -----------------------------------------------------


def test_confidence_interval_by_the_log_method():
    # RL = 0.2 / 0.4 = 0.5; SE = sqrt(1/20 - 1/100 + 1/40 - 1/100) = sqrt(0.055) = 0.23452
    # 95%: 0.5 * exp(-/+ 1.96 * 0.23452) = 0.5 * (0.63150, 1.58354)
    low, high = confidence_interval(20, 100, 40, 100)
    assert low == pytest.approx(0.31575, abs=1e-5)
    assert high == pytest.approx(0.79177, abs=1e-5)


def test_confidence_interval_when_everyone_had_the_outcome_is_a_point():
    assert confidence_interval(10, 10, 20, 20) == pytest.approx((1.0, 1.0))


@pytest.mark.parametrize("counts", [(0, 10, 4, 10), (4, 10, 0, 10), (0, 10, 0, 10)])
def test_no_interval_when_a_numerator_is_zero(counts):
    assert confidence_interval(*counts) is None


@pytest.mark.parametrize("gm, white, expected", [
    (9, 50, True), (50, 9, True), (0, 50, True), (10, 10, False), (10, 500, False),
])
def test_low_confidence_when_any_numerator_is_below_10(gm, white, expected):
    assert is_low_confidence(gm, white) is expected
    result = evaluate_series("SCW3", s((gm, 1000), (white, 1000)))
    assert result.low_confidence is expected


def test_no_data_is_not_low_confidence_but_no_events_is():
    assert evaluate_series("SCW3", s((0, 0), (3, 10))).low_confidence is False
    assert evaluate_series("SCW3", s((0, 10), (0, 10))).low_confidence is True
    assert evaluate_series("SCW3", s((3, 10), (0, 10))).low_confidence is True


# -- SCW1 and SCW9 ------------------------------------------------------------------------------


def test_scw1_pay_band_representation_worked_by_hand():
    # Staff in post: gm 40, white 100 -> workforce GM share 40 / 140 = 0.285714
    result = pay_band_representation([
        BandCounts("<30k", gm=10, white=40, unknown=5),
        BandCounts("30-69k", gm=30, white=20),
        BandCounts("70k+", gm=0, white=40),
        BandCounts("Unrecorded", unknown=3),
    ])
    assert result.gm_share_workforce == pytest.approx(40 / 140)
    low, middle, high, unrecorded = result.bands
    assert low.gm_share == pytest.approx(0.2)                    # 10 / 50
    assert low.gap_pp == pytest.approx((0.2 - 40 / 140) * 100)   # -8.57 points
    assert low.rl == pytest.approx(0.625)                        # (10/40) / (40/100)
    assert middle.gm_share == pytest.approx(0.6)
    assert middle.gap_pp == pytest.approx(31.4286, abs=1e-4)
    assert middle.rl == pytest.approx(3.75)                      # (30/40) / (20/100)
    assert (high.gm_share, high.rl) == (0.0, 0.0)
    assert high.gap_pp == pytest.approx(-28.5714, abs=1e-4)
    assert (unrecorded.gm_share, unrecorded.gap_pp, unrecorded.rl) == (None, None, None)


def test_scw1_rl_is_none_without_white_or_gm_staff():
    only_gm = pay_band_representation([BandCounts("A", gm=5)])
    assert only_gm.gm_share_workforce == 1.0
    assert only_gm.bands[0].rl is None
    assert pay_band_representation([]).gm_share_workforce is None


def test_scw9_gap_between_senior_managers_and_staff_in_post():
    # Senior managers: gm 5, white 45 -> 10%. Staff in post: gm 100, white 300 -> 25%.
    counts = s((5, 100), (45, 300), (1, 20))
    assert senior_manager_gap_pp(counts) == pytest.approx(-15.0)
    result = evaluate_series("SCW9", counts)
    assert result.gap_pp == pytest.approx(-15.0)
    assert result.rl == pytest.approx((5 / 100) / (45 / 300))  # 0.33: "67% less likely"
    assert result.rating == "adverse"


def test_scw9_gap_is_none_without_senior_managers():
    assert senior_manager_gap_pp(s((0, 100), (0, 300))) is None


def test_gm_share():
    assert gm_share(1, 3) == 0.25
    assert gm_share(0, 0) is None


# -- results for a service area -----------------------------------------------------------------


def full_counts() -> Counts:
    return Counts(
        "adults",
        frozenset({"staff", "recruitment", "survey"}),
        {sid: s((12, 100), (30, 300), (1, 10)) for sid in SERIES_IDS},
        (BandCounts("<30k", 80, 200, 9), BandCounts("70k+", 20, 100, 1)),
        {"staff": Declaration(400, 410), "recruitment": Declaration(10, 20),
         "survey": Declaration(0, 0)},
    )


def test_results_to_dict_has_exactly_the_contract_shape():
    data = compute_results(full_counts()).to_dict()
    assert list(data) == ["service_area", "declaration_rate", "indicators"]
    assert data["service_area"] == "adults"
    assert data["declaration_rate"] == {"staff": 400 / 410, "recruitment": 0.5, "survey": None}
    assert list(data["indicators"]) == ["SCW1", *SERIES_IDS]
    scw1 = data["indicators"]["SCW1"]
    assert list(scw1) == ["gm_share_workforce", "bands"]
    assert scw1["gm_share_workforce"] == pytest.approx(100 / 400)
    assert list(scw1["bands"]) == ["<30k", "70k+"]
    assert scw1["bands"]["<30k"] == {
        "gm": 80, "white": 200, "unknown": 9, "gm_share": pytest.approx(80 / 280),
        "gap_pp": pytest.approx((80 / 280 - 0.25) * 100), "rl": pytest.approx(0.8 / (2 / 3)),
    }
    for sid in SERIES_IDS:
        entry = data["indicators"][sid]
        keys = ["status", "rl", "rating", "ci95", "low_confidence", "gm", "white", "unknown"]
        assert list(entry) == keys + (["gap_pp"] if sid == "SCW9" else [])
        assert entry["status"] == "ok"
        assert entry["rl"] == pytest.approx(1.2)
        assert entry["rating"] == "within"
        assert isinstance(entry["ci95"], list) and len(entry["ci95"]) == 2
        assert entry["low_confidence"] is False
        assert entry["gm"] == {"numerator": 12, "denominator": 100}
        assert entry["unknown"] == {"numerator": 1, "denominator": 10}
    assert data["indicators"]["SCW9"]["gap_pp"] == pytest.approx((12 / 42 - 100 / 400) * 100)
    json.dumps(data, allow_nan=False)


def test_nhs_orientation_inverts_scw2_and_scw5_only():
    results = compute_results(full_counts())
    default = results.to_dict()["indicators"]
    nhs = results.to_dict(orientation="nhs")["indicators"]
    for sid in SERIES_IDS:
        if sid in ("SCW2", "SCW5"):
            assert nhs[sid]["rl"] == pytest.approx(1 / default[sid]["rl"])
            low, high = default[sid]["ci95"]
            assert nhs[sid]["ci95"] == pytest.approx([1 / high, 1 / low])
        else:
            assert nhs[sid] == default[sid]
        assert nhs[sid]["rating"] == default[sid]["rating"]
        assert nhs[sid]["gm"] == default[sid]["gm"]
    assert results.to_dict()["indicators"] == default  # the default is never changed


def test_nhs_orientation_swaps_which_zero_rate_is_not_calculable():
    gm_none = evaluate_series("SCW2", s((0, 10), (5, 20)))
    assert (gm_none.status, gm_none.rl) == ("ok", 0.0)
    assert gm_none.oriented("nhs").status == "not-calculable"
    white_none = evaluate_series("SCW2", s((5, 10), (0, 20)))
    assert white_none.status == "not-calculable"
    nhs = white_none.oriented("nhs")
    assert (nhs.status, nhs.rl, nhs.rating) == ("ok", 0.0, "reverse")


def test_unknown_orientation_is_refused():
    with pytest.raises(ValueError):
        compute_results(full_counts()).to_dict(orientation="white-gm")


def test_indicators_of_a_missing_extract_are_no_data():
    counts = Counts("all", frozenset({"staff"}), {sid: s((5, 10), (5, 10)) for sid in SERIES_IDS},
                    (BandCounts("A", 1, 1),), {"staff": Declaration(2, 2)})
    data = compute_results(counts).to_dict()
    assert data["declaration_rate"] == {"staff": 1.0, "recruitment": None, "survey": None}
    for sid in SERIES_IDS:
        source = INDICATORS_BY_ID[sid].source
        assert data["indicators"][sid]["status"] == ("ok" if source == "staff" else "no-data")
    no_staff = Counts("all", frozenset({"survey"}), bands=(BandCounts("A", 1, 1),))
    scw1 = compute_results(no_staff).to_dict()["indicators"]["SCW1"]
    assert scw1 == {"gm_share_workforce": None, "bands": {}}
    assert compute_results(no_staff).to_dict()["indicators"]["SCW9"]["gap_pp"] is None


def test_indicator_metadata_covers_every_indicator():
    assert [i.id for i in INDICATORS] == ["SCW1", *SERIES_IDS]
    assert {i.id for i in INDICATORS if i.better_when == "higher"} == set(FAVOURABLE)
    assert {i.id for i in INDICATORS if i.better_when == "lower"} == set(ADVERSE_OUTCOME)
    assert INDICATORS_BY_ID["SCW2"].source == "recruitment"
    assert {INDICATORS_BY_ID[i].source for i in ("SCW6", "SCW7a", "SCW7b")} == {"survey"}


# -- compute_all from files ---------------------------------------------------------------------


def test_compute_all_from_extract_files(files):
    staff = files.staff(
        [{"ethnicity": "D", "formal_disciplinary": "yes"}] * 10
        + [{"ethnicity": "D"}] * 90
        + [{"ethnicity": "White: Irish", "formal_disciplinary": "yes"}] * 10
        + [{"ethnicity": "White: Irish", "service_area": "children"}] * 190
        + [{"ethnicity": "Not stated"}] * 5
    )
    recruitment = files.recruitment(
        [{"ethnicity": "Indian", "appointed": "yes"}] * 2 + [{"ethnicity": "Indian"}] * 8
        + [{"ethnicity": "A", "appointed": "yes"}] * 5 + [{"ethnicity": "A"}] * 5,
        xlsx=True,
    )
    results = compute_all(staff, "staff.csv", recruitment=(recruitment, "recruitment.xlsx"))
    assert set(results) == {"all", "adults", "children"}
    everyone = results["all"].to_dict()
    assert everyone["declaration_rate"] == {"staff": 300 / 305, "recruitment": 1.0,
                                            "survey": None}
    scw3 = everyone["indicators"]["SCW3"]
    assert scw3["rl"] == pytest.approx((10 / 100) / (10 / 200))  # 2.0
    assert scw3["rating"] == "adverse"
    assert everyone["indicators"]["SCW2"]["rl"] == pytest.approx(0.2 / 0.5)
    assert everyone["indicators"]["SCW6"]["status"] == "no-data"
    assert results["children"].to_dict()["indicators"]["SCW3"]["status"] == "no-data"
    adults = results["adults"].to_dict()["indicators"]["SCW3"]
    assert adults["rl"] == pytest.approx((10 / 100) / (10 / 10))  # all white staff are adults
    assert adults["rating"] == "reverse"


def test_compute_all_raises_every_problem_of_every_file(files):
    with pytest.raises(ExtractValidationError) as caught:
        compute_all(files.staff([{"ethnicity": "Martian"}]), "staff.csv",
                    survey=(b"\x00\x01", "survey.csv"))
    assert [p.file for p in caught.value.problems] == ["staff.csv", "survey.csv"]


def test_compute_all_uses_the_extra_mapping(files):
    staff = files.staff([{"ethnicity": "White British"}])
    results = compute_all(staff, "staff.csv", extra_mapping={"White British": "white"})
    assert results["all"].counts.declaration["staff"] == Declaration(1, 1)


# -- properties ---------------------------------------------------------------------------------

tallies = st.integers(min_value=1, max_value=100_000).flatmap(
    lambda n: st.tuples(st.integers(min_value=1, max_value=n), st.just(n))
)


@settings(max_examples=300, deadline=None)
@given(gm=tallies, white=tallies)
def test_swapping_groups_inverts_the_rl_and_its_interval(gm, white):
    (a, n1), (c, n2) = gm, white
    forward, backward = relative_likelihood(a, n1, c, n2), relative_likelihood(c, n2, a, n1)
    assert forward * backward == pytest.approx(1.0, rel=1e-12)
    low, high = confidence_interval(a, n1, c, n2)
    swapped_low, swapped_high = confidence_interval(c, n2, a, n1)
    assert swapped_low == pytest.approx(1 / high, rel=1e-9)
    assert swapped_high == pytest.approx(1 / low, rel=1e-9)
    assert low <= forward <= high


@settings(max_examples=300, deadline=None)
@given(gm=tallies, white=tallies, sid=st.sampled_from(["SCW2", "SCW5"]))
def test_nhs_orientation_is_the_swapped_groups_with_the_same_rating(gm, white, sid):
    result = evaluate_series(sid, s(gm, white))
    nhs = result.oriented("nhs")
    assert nhs.rl == relative_likelihood(white[0], white[1], gm[0], gm[1])
    assert nhs.rating == result.rating


@settings(max_examples=300, deadline=None)
@given(gm=st.tuples(st.integers(0, 5_000), st.integers(0, 5_000)).map(sorted),
       white=st.tuples(st.integers(0, 5_000), st.integers(0, 5_000)).map(sorted),
       factor=st.integers(min_value=2, max_value=1_000),
       sid=st.sampled_from(SERIES_IDS))
def test_scaling_numerators_and_denominators_alike_leaves_the_rl_unchanged(gm, white, factor,
                                                                          sid):
    (a, n1), (c, n2) = gm, white
    base = evaluate_series(sid, s((a, n1), (c, n2)))
    scaled = evaluate_series(sid, s((a * factor, n1 * factor), (c * factor, n2 * factor)))
    assert scaled.status == base.status
    assert scaled.rl == base.rl
    assert scaled.rating == base.rating
    if base.ci95 is not None:
        assert scaled.ci95[0] >= base.ci95[0] - 1e-12  # more people: no wider interval
        assert scaled.ci95[1] <= base.ci95[1] + 1e-12


@settings(max_examples=200, deadline=None)
@given(gm=tallies, white=tallies)
def test_rl_matches_the_rates(gm, white):
    (a, n1), (c, n2) = gm, white
    assume(c > 0)
    assert relative_likelihood(a, n1, c, n2) == pytest.approx((a / n1) / (c / n2), rel=1e-12)
    assert math.isfinite(relative_likelihood(a, n1, c, n2))

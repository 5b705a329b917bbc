"""Saved results read through one typed reader; the chart takes its range and names from the domain."""

from __future__ import annotations

from tracker.domain.counts import Tally
from tracker.domain.definitions import INDICATORS_BY_ID, SERIES_IDS
from tracker.domain.indicators import LOWER_BOUND, UPPER_BOUND
from tracker.domain.stored_results import StoredResults, StoredSeries

SAVED = {
    "adults": {
        "indicators": {
            "SCW1": {"gm_share_workforce": 0.2, "bands": {}},
            "SCW3": {"status": "ok", "rl": 1.9, "rating": "adverse", "ci95": [1.2, 3.1],
                     "low_confidence": True, "gm": {"numerator": 12, "denominator": 100},
                     "white": {"numerator": 25, "denominator": 400},
                     "unknown": {"numerator": 0, "denominator": 5}},
            # an older row, saved before low_confidence existed
            "SCW8": {"status": "no-events", "rl": None, "rating": None, "ci95": None,
                     "gm": {"numerator": 0, "denominator": 10},
                     "white": {"numerator": 0, "denominator": 40},
                     "unknown": {"numerator": 0, "denominator": 0}},
        },
        "declaration_rate": {"staff": 0.97},
    },
}


def test_a_saved_series_reads_as_typed_values():
    series = StoredResults(SAVED).series("adults", "SCW3")
    assert series == StoredSeries("SCW3", status="ok", rl=1.9, rating="adverse", ci95=(1.2, 3.1),
                                  low_confidence=True, gm=Tally(12, 100), white=Tally(25, 400),
                                  unknown=Tally(0, 5))
    assert series.has_figure


def test_missing_keys_areas_and_datasets_read_as_no_data():
    results = StoredResults(SAVED)
    assert results.series("adults", "SCW8").low_confidence is False
    assert not results.series("adults", "SCW8").has_figure
    assert results.series("children", "SCW3") == StoredSeries("SCW3")
    assert results.series("adults", "SCW9").status == "no-data"
    assert StoredResults(None).series("all", "SCW2").status == "no-data"
    assert not StoredResults(None) and StoredResults(None).areas == []
    assert results.areas == ["adults"] and "adults" in results and "all" not in results
    assert results.pay_bands("adults")["gm_share_workforce"] == 0.2
    assert results.pay_bands("children") == {}
    assert results.declaration_rate("adults") == {"staff": 0.97}


def test_the_chart_takes_the_range_and_the_names_from_the_domain():
    from tracker.indicators import charts

    assert (charts.RANGE_LOW, charts.RANGE_HIGH) == (float(LOWER_BOUND), float(UPPER_BOUND))
    assert charts.STYLE["within"][2] == "Within 0.80 to 1.25"
    assert INDICATORS_BY_ID["SCW6"].chart_label == "SCW6 Bullying: public"
    assert INDICATORS_BY_ID["SCW2"].chart_label == "SCW2 Appointed from shortlisting"
    assert all(len(INDICATORS_BY_ID[sid].chart_label) <= 32 for sid in SERIES_IDS)

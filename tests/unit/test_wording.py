"""Results in words and recorded changes in names: the sentences follow the figure shown."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.domain.formatting import uk_date
from tracker.domain.history import Names, field_label, value_words
from tracker.domain.wording import (
    better_words,
    likelihood_sentence,
    ratio_words,
    result_in_brief,
    why_no_figure,
    why_no_interval,
)


def _entry(gm, white, *, rl=None, ci=None, status="ok"):
    return {"status": status, "rl": rl, "ci95": ci, "rating": None, "low_confidence": False,
            "gm": {"numerator": gm[0], "denominator": gm[1]},
            "white": {"numerator": white[0], "denominator": white[1]},
            "unknown": {"numerator": 0, "denominator": 0}}


@pytest.mark.parametrize(("indicator", "rl", "orientation", "words"), [
    ("SCW2", 0.62, "gm-white", "Global majority applicants are 38% less likely to be appointed"),
    ("SCW2", 1 / 0.62, "nhs", "White applicants are 61% more likely to be appointed: global "
                              "majority applicants are 38% less likely"),
    ("SCW3", 1.4, "nhs", "Global majority staff are 40% more likely to enter the formal "
                         "disciplinary process"),
    ("SCW5", 1.0, "nhs", "White staff are equally likely to access funded non-mandatory CPD: "
                         "global majority staff are equally likely"),
    ("SCW8", 0.0, "gm-white", "No global majority staff left the organisation"),
])
def test_likelihood_sentences_follow_the_orientation(indicator, rl, orientation, words):
    assert likelihood_sentence(indicator, rl, orientation) == words


def test_direction_and_ratio_flip_only_for_the_nhs_form_of_scw2_and_scw5():
    assert (better_words("SCW2"), better_words("SCW2", "nhs")) == ("Higher", "Lower")
    assert (better_words("SCW3"), better_words("SCW3", "nhs")) == ("Lower", "Lower")
    assert ratio_words("SCW5", "nhs") == "white / global majority"
    assert ratio_words("SCW9", "nhs") == "global majority / white"


@pytest.mark.parametrize(("indicator", "entry", "figure", "interval"), [
    ("SCW9", _entry((0, 0), (38, 1571), status="no-data"), "No global majority staff in post",
     "No interval: no global majority staff in post"),
    ("SCW2", _entry((5, 20), (0, 0), status="no-data"), "No white shortlisted applicants",
     "No interval: no white shortlisted applicants"),
    ("SCW3", _entry((0, 451), (25, 1731), rl=0.0), "",
     "No interval: no global majority staff entered the formal disciplinary process"),
    ("SCW4", _entry((0, 10), (0, 20), status="no-events"),
     "Not calculable: no regulated professionals in either group were referred to fitness to "
     "practise", None),
    ("SCW8", _entry((3, 10), (0, 20), status="not-calculable"),
     "Not calculable: no white staff left the organisation", None),
    ("SCW6", None, "No figures loaded", "No interval: no figures loaded"),
])
def test_a_missing_figure_says_why(indicator, entry, figure, interval):
    assert why_no_figure(indicator, entry) == figure
    if interval is not None:
        assert why_no_interval(indicator, entry) == interval


def test_recorded_values_are_said_in_names_and_words():
    names = Names(people={7: "Tom Okafor"}, themes={3: "Leadership"})
    assert value_words("owner_id", 7, names) == "Tom Okafor"
    assert value_words("owner_id", 8, names) == "a former member"
    assert value_words("theme_id", 3, names) == "Leadership"
    assert value_words("status", "at_risk", names) == "At risk"
    assert value_words("due_date", "2026-03-05", names) == "5 March 2026"
    assert value_words("measure_target", "75.0000", names) == "75"
    assert value_words("indicator", "SCW2 adults", names) == "SCW2, adult social care"
    assert value_words("baseline_rl", None, names) == "(blank)"
    assert field_label("period_start") == "Period start"
    assert field_label("owner_id", {"owner_id": "Owner"}) == "Owner"


def test_uk_dates_have_no_leading_zero_even_from_a_snapshot():
    assert uk_date(date(2026, 3, 5)) == "5 March 2026"
    assert uk_date("2026-03-05") == "5 March 2026"


def test_recorded_mappings_read_as_words_never_as_python():
    names = Names(people={}, themes={})
    provenance = {"files": [{"kind": "staff", "filename": "staff.csv", "rows": 3150,
                             "read": {"sheet": None}},
                            {"kind": "survey", "filename": "survey.csv", "rows": 1740}],
                  "warnings": [{"message": "Ethnicity is known for 88.7% of rows"}],
                  "declaration_rate": {"staff": 0.95}}
    assert value_words("provenance", provenance, names) == \
        "staff.csv (3,150 rows), survey.csv (1,740 rows); 1 data-quality note"
    assert value_words("settings", {"sheet": None, "header_row": 3}, names) == "header row: 3"


def test_a_result_in_brief_says_its_figure_and_rating_or_why_it_has_none():
    adverse = {"indicators": {"SCW3": {"status": "ok", "rl": 1.7234, "rating": "adverse",
                                       "low_confidence": True}}}
    assert result_in_brief("SCW3", adverse) == "RL 1.72, adverse, low confidence"
    nothing = {"indicators": {"SCW3": {"status": "no-data", "rl": None,
                                       "gm": {"numerator": 0, "denominator": 0},
                                       "white": {"numerator": 0, "denominator": 0}}}}
    assert result_in_brief("SCW3", nothing) == \
        "no figure (no staff counted: the data was not loaded)"
    assert result_in_brief("SCW3", None) == "no figure (no figures loaded)"
    bands = {"indicators": {"SCW1": {"gm_share_workforce": 0.22, "bands": {
        "<30k": {"gm_share": 0.205}, "70k+": {"gm_share": 0.138}}}}}
    assert result_in_brief("SCW1", bands) == ("global majority share of staff in post 22.0%, "
                                              "by pay band: <30k 20.5%; 70k+ 13.8%")

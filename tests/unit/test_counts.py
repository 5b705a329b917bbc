"""Counts: what the web app stores. From extracts, from the counts template, and back from JSON."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tracker.domain.counts import (
    TEMPLATE_COLUMNS,
    BandCounts,
    Counts,
    Declaration,
    SeriesCounts,
    Tally,
    counts_from_extracts,
    counts_from_rows,
    read_counts_template,
)
from tracker.domain.definitions import SERIES_IDS
from tracker.domain.extracts import (
    ExtractValidationError,
    read_recruitment,
    read_staff,
    read_survey,
)
from tracker.domain.templates import (
    TEMPLATE_KINDS,
    template_frame,
    to_csv_bytes,
    to_xlsx_bytes,
)


def series(counts: Counts, sid: str) -> tuple:
    s = counts.series[sid]
    return tuple((t.numerator, t.denominator) for t in (s.gm, s.white, s.unknown))


@pytest.fixture
def staff_counts(files):
    """Seven adults and two children, worked by hand below."""
    rows = [
        # adults
        {"ethnicity": "D", "pay_band": "Band B", "formal_disciplinary": "yes",
         "regulated_professional": "yes", "ftp_referral": "yes"},
        {"ethnicity": "D", "pay_band": "Band A", "left_in_period": "yes", "funded_cpd": "yes"},
        {"ethnicity": "D", "pay_band": "Band C", "senior_manager": "yes"},
        {"ethnicity": "A", "pay_band": "Band A", "regulated_professional": "yes"},
        {"ethnicity": "A", "pay_band": "band a ", "funded_cpd": "yes"},
        {"ethnicity": "A", "pay_band": "Band C", "senior_manager": "yes",
         "ftp_referral": "yes"},  # referred but not regulated: not in SCW4
        {"ethnicity": "Z", "pay_band": "Band A", "left_in_period": "yes"},
        # children
        {"ethnicity": "B", "service_area": "children", "pay_band": "Band B",
         "regulated_professional": "yes", "ftp_referral": "yes"},
        {"ethnicity": "", "service_area": "children", "pay_band": "Band A"},
    ]
    return counts_from_extracts(staff=read_staff(files.staff(rows), "staff.csv"))


def test_every_row_counts_for_scw3_scw5_and_scw8(staff_counts):
    adults = staff_counts["adults"]
    assert series(adults, "SCW3") == ((1, 3), (0, 3), (0, 1))
    assert series(adults, "SCW5") == ((1, 3), (1, 3), (0, 1))
    assert series(adults, "SCW8") == ((1, 3), (0, 3), (1, 1))


def test_scw4_counts_regulated_professionals_only(staff_counts):
    assert series(staff_counts["adults"], "SCW4") == ((1, 1), (0, 1), (0, 0))
    assert series(staff_counts["children"], "SCW4") == ((0, 0), (1, 1), (0, 0))


def test_scw9_counts_staff_in_post_only(staff_counts):
    assert series(staff_counts["adults"], "SCW9") == ((1, 2), (1, 3), (0, 0))


def test_scw1_bands_count_staff_in_post_in_the_order_the_file_shows_them(staff_counts):
    assert staff_counts["adults"].bands == (
        BandCounts("Band B", gm=1),
        BandCounts("Band A", white=2),  # 'band a ' is the same band; leavers left out
        BandCounts("Band C", gm=1, white=1),
    )
    assert staff_counts["children"].bands == (
        BandCounts("Band B", white=1),
        BandCounts("Band A", unknown=1),
    )
    assert staff_counts["all"].bands == (
        BandCounts("Band B", gm=1, white=1),
        BandCounts("Band A", white=2, unknown=1),
        BandCounts("Band C", gm=1, white=1),
    )


def test_all_is_adults_plus_children(staff_counts):
    everyone, adults, children = (staff_counts[a] for a in ("all", "adults", "children"))
    for sid in SERIES_IDS:
        assert everyone.series[sid] == adults.series[sid] + children.series[sid]
    assert series(everyone, "SCW3") == ((1, 3), (0, 4), (0, 2))


def test_declaration_counts_known_among_everyone(staff_counts):
    assert staff_counts["adults"].declaration["staff"] == Declaration(known=6, total=7)
    assert staff_counts["children"].declaration["staff"] == Declaration(known=1, total=2)
    assert staff_counts["all"].declaration["staff"] == Declaration(known=7, total=9)
    assert staff_counts["all"].declaration["staff"].rate == pytest.approx(7 / 9)
    assert staff_counts["all"].declaration["survey"].rate is None


def test_provided_extracts_are_recorded(staff_counts):
    assert staff_counts["all"].provided == {"staff"}


def test_recruitment_counts_appointed_among_shortlisted(files):
    data = files.recruitment([
        {"ethnicity": "D", "appointed": "yes"}, {"ethnicity": "D"}, {"ethnicity": "D"},
        {"ethnicity": "A", "appointed": "yes"}, {"ethnicity": "Not known", "appointed": "yes"},
        {"ethnicity": "A", "service_area": "children"},
    ])
    counts = counts_from_extracts(recruitment=read_recruitment(data, "r.csv"))
    assert series(counts["adults"], "SCW2") == ((1, 3), (1, 1), (1, 1))
    assert series(counts["all"], "SCW2") == ((1, 3), (1, 2), (1, 1))
    assert counts["all"].declaration["recruitment"] == Declaration(5, 6)
    assert counts["all"].provided == {"recruitment"}


def test_survey_counts_yes_among_those_who_answered(files):
    data = files.survey([
        {"ethnicity": "D", "hba_public": "yes", "hba_colleagues": "", "hba_managers": "yes"},
        {"ethnicity": "D", "hba_public": "no", "hba_colleagues": "yes", "hba_managers": ""},
        {"ethnicity": "A", "hba_public": "", "hba_colleagues": "no", "hba_managers": "no"},
    ])
    counts = counts_from_extracts(survey=read_survey(data, "s.csv"))["all"]
    assert series(counts, "SCW6") == ((1, 2), (0, 0), (0, 0))
    assert series(counts, "SCW7a") == ((1, 1), (0, 1), (0, 0))
    assert series(counts, "SCW7b") == ((1, 1), (0, 1), (0, 0))
    assert counts.declaration["survey"] == Declaration(3, 3)


def test_the_wrong_kind_of_extract_is_refused(files):
    extract = read_recruitment(files.recruitment([{}]), "r.csv")
    with pytest.raises(ValueError):
        counts_from_extracts(staff=extract)


# -- JSON round trip ----------------------------------------------------------------------------


def test_counts_round_trip_exactly_through_json(staff_counts, files):
    survey = read_survey(files.survey([{"hba_public": "yes"}]), "s.csv")
    staff = counts_from_extracts(staff=read_staff(files.staff([{}, {"ethnicity": "D"}]), "s.csv"),
                                 survey=survey)
    for counts in [*staff_counts.values(), *staff.values()]:
        stored = json.loads(json.dumps(counts.to_dict()))
        again = Counts.from_dict(stored)
        assert again == counts
        assert again.to_dict() == counts.to_dict()


def test_counts_to_dict_shape():
    counts = Counts(
        "adults", frozenset({"recruitment"}),
        {"SCW2": SeriesCounts(Tally(3, 10), Tally(5, 12), Tally(0, 1))},
        (BandCounts("<30k", 1, 2, 3),), {"recruitment": Declaration(22, 23)},
    )
    data = counts.to_dict()
    assert data["version"] == 1
    assert data["service_area"] == "adults"
    assert data["provided"] == ["recruitment"]
    assert data["series"]["SCW2"] == {
        "gm": {"numerator": 3, "denominator": 10},
        "white": {"numerator": 5, "denominator": 12},
        "unknown": {"numerator": 0, "denominator": 1},
    }
    assert data["series"]["SCW3"]["gm"] == {"numerator": 0, "denominator": 0}
    assert data["bands"] == [{"label": "<30k", "gm": 1, "white": 2, "unknown": 3}]
    assert data["declaration"]["recruitment"] == {"known": 22, "total": 23}
    assert data["declaration"]["staff"] == {"known": 0, "total": 0}


@pytest.mark.parametrize("broken", [
    {},
    {"version": 2},
    {"version": 1, "service_area": "adults"},
    {"version": 1, "service_area": "everyone", "provided": [], "series": {}, "bands": [],
     "declaration": {}},
    {"version": 1, "service_area": "all", "provided": [], "bands": [], "declaration": {},
     "series": {"SCW2": {"gm": {"numerator": 5, "denominator": 2}}}},
    {"version": 1, "service_area": "all", "provided": [], "bands": [], "declaration": {},
     "series": {"SCW2": {"gm": {"numerator": -1, "denominator": 2}}}},
    {"version": 1, "service_area": "all", "provided": ["hr"], "bands": [], "declaration": {},
     "series": {}},
])
def test_malformed_counts_are_refused(broken):
    with pytest.raises(ValueError):
        Counts.from_dict(broken)


@pytest.mark.parametrize("numerator, denominator", [(-1, 2), (3, 2), (1.5, 2), (True, 2)])
def test_a_tally_is_whole_numbers_with_numerator_at_most_denominator(numerator, denominator):
    with pytest.raises((ValueError, TypeError)):
        Tally(numerator, denominator)


def test_counts_are_immutable(staff_counts):
    counts = staff_counts["all"]
    with pytest.raises(AttributeError):
        counts.service_area = "adults"
    with pytest.raises(TypeError):
        counts.series["SCW2"] = SeriesCounts()


# -- the counts template ------------------------------------------------------------------------

TEMPLATE = [
    ["adults", "SCW1", "<30k", "gm", "10", ""],
    ["adults", "SCW1", "<30k", "white", "30", ""],
    ["adults", "SCW1", "70k+", "gm", "1", ""],
    ["adults", "SCW1", "70k+", "white", "9", ""],
    ["adults", "SCW2", "", "gm", "15", "102"],
    ["adults", "SCW2", "", "white", "47", "100"],
    ["adults", "SCW2", "", "unknown", "2", "6"],
    ["children", "scw2", "", "GM", "5", "20"],
    ["children", "SCW2", "", "White", "1,000", "2,000"],
    ["children", "SCW6", "", "Global majority", "3", "9"],
    ["children", "SCW6", "", "white", "", ""],  # unfilled: skipped
]


@pytest.mark.parametrize("xlsx", [False, True], ids=["csv", "xlsx"])
def test_counts_template_gives_adults_children_and_their_sum(files, xlsx):
    data = (files.xlsx if xlsx else files.csv)(TEMPLATE_COLUMNS, TEMPLATE)
    counts = read_counts_template(data, "counts.xlsx" if xlsx else "counts.csv")
    assert set(counts) == {"all", "adults", "children"}
    assert series(counts["adults"], "SCW2") == ((15, 102), (47, 100), (2, 6))
    assert series(counts["children"], "SCW2") == ((5, 20), (1000, 2000), (0, 0))
    assert series(counts["all"], "SCW2") == ((20, 122), (1047, 2100), (2, 6))
    assert counts["adults"].bands == (BandCounts("<30k", 10, 30), BandCounts("70k+", 1, 9))
    assert counts["all"].provided == {"staff", "recruitment", "survey"}
    assert counts["adults"].declaration["recruitment"] == Declaration(202, 208)
    assert counts["adults"].declaration["staff"] == Declaration(50, 50)  # from the bands
    assert counts["children"].declaration["survey"] == Declaration(9, 9)


def test_counts_template_with_only_all_gives_only_all(files):
    data = files.csv(TEMPLATE_COLUMNS, [["all", "SCW3", "", "gm", "4", "100"],
                                        ["ALL", "SCW3", "", "white", "9", "300"]])
    counts = read_counts_template(data, "counts.csv")
    assert list(counts) == ["all"]
    assert series(counts["all"], "SCW3") == ((4, 100), (9, 300), (0, 0))
    assert counts["all"].provided == {"staff"}


def test_counts_template_with_only_adults_gives_adults_and_all(files):
    data = files.csv(TEMPLATE_COLUMNS, [["adults", "SCW8", "", "gm", "4", "100"]])
    counts = read_counts_template(data, "counts.csv")
    assert list(counts) == ["all", "adults"]
    assert counts["all"].series == counts["adults"].series


def test_counts_template_reports_every_problem_with_its_row(files):
    data = files.csv(TEMPLATE_COLUMNS, [
        ["adults", "SCW1", "", "gm", "10", "5"],        # 2: no band; denominator given
        ["everyone", "SCW10", "x", "green", "-5", "2.5"],  # 3: five problems
        ["adults", "SCW2", "", "gm", "5", "4"],         # 4: numerator > denominator
        ["adults", "SCW2", "", "gm", "3", "4"],         # 5: duplicate of row 4
        ["adults", "SCW2", "b", "white", "x", "4"],     # 6: band on SCW2; not a number
        ["adults", "SCW3", "", "white", "3", ""],       # 7: no denominator
    ])
    with pytest.raises(ExtractValidationError) as caught:
        read_counts_template(data, "counts.csv")
    assert [(p.row, p.column, p.message) for p in caught.value.problems] == [
        (2, "band", "Enter the pay band for SCW1 in row 2"),
        (2, "denominator", "Leave the denominator blank for SCW1 in row 2: its numerator is "
                           "the staff in post in the band"),
        (3, "service_area", "Service area in row 3 must be all, adults or children, "
                            "not 'everyone'"),
        (3, "indicator", "Indicator in row 3 must be SCW1 to SCW9, SCW7a or SCW7b, "
                         "not 'SCW10'"),
        (3, "group", "Group in row 3 must be gm, white or unknown, not 'green'"),
        (3, "numerator", "The numerator in row 3 must be 0 or more, not '-5'"),
        (4, "numerator", "The numerator in row 4 (5) must not be larger than the "
                         "denominator (4)"),
        (5, None, "SCW2 gm for adults is given more than once, in rows 4, 5"),
        (6, "band", "Leave the band blank for SCW2 in row 6: only SCW1 has bands"),
        (6, "numerator", "The numerator in row 6 must be a whole number, not 'x'"),
        (7, "denominator", "Enter the denominator in row 7"),
    ]


def test_counts_template_cannot_mix_all_with_adults_or_children(files):
    data = files.csv(TEMPLATE_COLUMNS, [["all", "SCW3", "", "gm", "4", "100"],
                                        ["children", "SCW3", "", "gm", "4", "100"]])
    with pytest.raises(ExtractValidationError) as caught:
        read_counts_template(data, "counts.csv")
    (problem,) = caught.value.problems
    assert problem.column == "service_area"
    assert "either for all staff" in problem.message


def test_a_blank_counts_template_has_no_counts(files):
    data = to_csv_bytes(template_frame("counts"))
    with pytest.raises(ExtractValidationError) as caught:
        read_counts_template(data, "counts.csv")
    assert [p.message for p in caught.value.problems] == ["The template has no counts in it"]


def test_counts_template_needs_its_columns(files):
    data = files.csv(["service_area", "indicator", "group", "numerator"],
                     [["all", "SCW3", "gm", "4"]])
    with pytest.raises(ExtractValidationError) as caught:
        read_counts_template(data, "counts.csv")
    assert {p.column for p in caught.value.problems} == {"band", "denominator"}


def test_counts_from_a_form_without_row_numbers():
    counts = counts_from_rows([
        {"service_area": "all", "indicator": "SCW9", "band": None, "group": "gm",
         "numerator": 3, "denominator": 40},
        {"service_area": "all", "indicator": "SCW9", "group": "white", "numerator": 30,
         "denominator": 160},
    ])
    assert series(counts["all"], "SCW9") == ((3, 40), (30, 160), (0, 0))
    with pytest.raises(ExtractValidationError) as caught:
        counts_from_rows([{"service_area": "all", "indicator": "SCW9", "group": "gm",
                           "numerator": 50, "denominator": 40}])
    assert caught.value.problems[0].message == (
        "The numerator (50) must not be larger than the denominator (40)"
    )
    assert caught.value.problems[0].file == "counts form"


# -- downloadable templates ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", TEMPLATE_KINDS)
def test_blank_templates_have_the_columns_the_readers_need(kind):
    frame = template_frame(kind)
    expected = TEMPLATE_COLUMNS if kind == "counts" else None
    if expected:
        assert tuple(frame.columns) == expected
        assert frame["numerator"].isna().all()
    else:
        assert len(frame) == 0
    for data in (to_csv_bytes(frame), to_xlsx_bytes(frame)):
        assert data


@pytest.mark.parametrize("kind", ["staff", "recruitment", "survey"])
@pytest.mark.parametrize("writer", [to_csv_bytes, to_xlsx_bytes], ids=["csv", "xlsx"])
def test_example_extract_templates_are_valid_extracts(kind, writer):
    frame = template_frame(kind, example=True)
    reader = {"staff": read_staff, "recruitment": read_recruitment, "survey": read_survey}[kind]
    extract = reader(writer(frame), f"{kind}-example")
    assert len(extract) == len(frame) > 0
    counts = counts_from_extracts(**{kind: extract})
    assert counts["all"].provided == {kind}


@pytest.mark.parametrize("writer", [to_csv_bytes, to_xlsx_bytes], ids=["csv", "xlsx"])
def test_example_counts_template_reads_back(writer):
    frame = template_frame("counts", example=True)
    counts = read_counts_template(writer(frame), "counts-example")
    assert set(counts) == {"all", "adults", "children"}
    assert counts["all"].provided == {"staff", "recruitment", "survey"}
    scw9 = counts["adults"].series["SCW9"]
    in_post_gm = sum(band.gm for band in counts["adults"].bands)
    assert scw9.gm.denominator == in_post_gm  # the example is consistent with itself


def test_csv_template_opens_in_excel_as_utf8():
    assert to_csv_bytes(template_frame("staff")).startswith(b"\xef\xbb\xbf")


def test_xlsx_template_is_one_sheet():
    frame = pd.read_excel(__import__("io").BytesIO(to_xlsx_bytes(template_frame("survey"))),
                          engine="calamine", sheet_name=None)
    assert list(frame) == ["data"]


def test_unknown_template_kind_is_refused():
    with pytest.raises(ValueError):
        template_frame("payroll")


def test_one_kind_replaced_keeps_the_others_saved():
    from tracker.domain.counts import keep_other_kinds

    saved = counts_from_rows([
        {"service_area": "all", "indicator": "SCW3", "band": "", "group": g,
         "numerator": 5, "denominator": 50} for g in ("gm", "white")] + [
        {"service_area": "all", "indicator": "SCW6", "band": "", "group": g,
         "numerator": 9, "denominator": 90} for g in ("gm", "white")])
    survey = counts_from_rows([
        {"service_area": "all", "indicator": "SCW6", "band": "", "group": g,
         "numerator": 1, "denominator": 10} for g in ("gm", "white")])
    merged, kept = keep_other_kinds(saved, survey)
    assert kept == {"staff"}
    assert merged["all"].provided == {"staff", "survey"}
    assert merged["all"].series["SCW3"] == saved["all"].series["SCW3"]
    assert merged["all"].series["SCW6"] == survey["all"].series["SCW6"]
    assert merged["all"].declaration["staff"] == saved["all"].declaration["staff"]
    assert merged["all"].declaration["survey"] == survey["all"].declaration["survey"]
    assert keep_other_kinds(saved, saved) == (dict(saved), frozenset())

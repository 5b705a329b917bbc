"""Real exports go in: header spellings and built-in value sets recognised without asking."""

from __future__ import annotations

import pytest

from tracker.domain.ethnicity import ethnic_group
from tracker.domain.extracts import read_recruitment, read_staff
from tracker.domain.spellings import COLUMN_SPELLINGS, DFE_CODES, suggest

ITRENT_HEADER = ["Employee Number", "Ethnic Origin", "Directorate", "Grade", "Senior Manager",
                 "Regulated Professional", "Formal Disciplinary", "FtP Referral", "Funded CPD",
                 "Leaver"]


def test_an_itrent_style_header_is_recognised(files):
    data = files.csv(ITRENT_HEADER, [["E1", "White - British", "Adult Social Care", "G7", "N",
                                      "Y", "-", "", "✓", "X"]])
    frame = read_staff(data, "itrent.csv").frame
    assert frame["ethnic_group"].tolist() == ["white"]
    assert frame["service_area"].tolist() == ["adults"]
    assert frame[["regulated_professional", "funded_cpd", "left_in_period"]].iloc[0].all()
    assert not frame[["senior_manager", "formal_disciplinary", "ftp_referral"]].iloc[0].any()


@pytest.mark.parametrize("column, spelling", [
    (column, spelling) for column, spellings in COLUMN_SPELLINGS.items()
    for spelling in spellings if column in ("staff_id", "ethnicity", "service_area", "pay_band")
])
def test_each_documented_spelling_of_a_staff_column(files, column, spelling):
    header = ["staff_id", "ethnicity", "service_area", "pay_band", "senior_manager",
              "regulated_professional", "formal_disciplinary", "ftp_referral", "funded_cpd",
              "left_in_period"]
    header[header.index(column)] = f"  {spelling.upper()} "
    data = files.csv(header, [["S1", "A", "adults", "<30k", "no", "no", "no", "no", "no", "no"]])
    assert len(read_staff(data, "spelled.csv")) == 1


@pytest.mark.parametrize("label, group", [
    ("White - British", "white"), ("White British", "white"), ("White - Irish", "white"),
    ("Any other White background", "white"), ("Mixed - White & Asian", "gm"),
    ("Mixed - White and Black Caribbean", "gm"), ("Black British", "gm"),
    ("Asian or Asian British - Indian", "gm"), ("Black or Black British - African", "gm"),
    ("Chinese", "gm"), ("Not Declared", "unknown"), ("Refused", "unknown"),
    ("A White - British", "white"), ("C White - Any other White background", "white"),
    ("H Asian or Asian British - Indian", "gm"), ("Z Not stated", "unknown"),
    ("WBRI", "white"), ("wirt", "white"), ("BCRB", "gm"), ("REFU", "unknown"),
    ("NOBT", "unknown"),
])
def test_built_in_value_sets(label, group):
    assert ethnic_group(label) == group


def test_every_dfe_code_is_known():
    assert {code: ethnic_group(code) for code in DFE_CODES} == DFE_CODES


@pytest.mark.parametrize("area, expected", [
    ("ASC", "adults"), ("Adults", "adults"), ("Adult Social Care", "adults"),
    ("Adult Services", "adults"), ("CSC", "children"), ("Children", "children"),
    ("Children's Services", "children"), ("Children\u2019s Social Care", "children"),
])
def test_service_area_words(files, area, expected):
    data = files.recruitment([{"service_area": area}])
    assert read_recruitment(data, "r.csv").frame["service_area"].tolist() == [expected]


def test_a_near_miss_header_is_suggested():
    assert suggest("ethnicity", ["Employee", "Ethnicty", "Grade"]) == "Ethnicty"
    assert suggest("ethnicity", ["Employee", "Grade"]) is None


def test_a_recruitment_outcome_column_is_read_as_shortlisted_and_appointed(files):
    data = files.csv(["Ethnic Origin", "Service Area", "Application Status"], [
        ["White - British", "ASC", "Appointed"],
        ["Indian", "ASC", "Unsuccessful at interview"],
        ["Indian", "ASC", "Not shortlisted"],
        ["White British", "CSC", "Offer accepted"],
        ["WBRI", "CSC", "Rejected at sift"],
    ])
    extract = read_recruitment(data, "trac.csv")
    assert extract.found["appointed"] == "Application Status"
    assert extract.left_out == 2
    assert extract.frame.index.tolist() == [2, 3, 5]  # rows 4 and 6 never shortlisted
    assert extract.frame["appointed"].tolist() == [True, False, True]


def test_an_outcome_nobody_knows_is_named_and_can_be_mapped(files):
    from tracker.domain.extracts import examine_extract
    from tracker.domain.mappings import ColumnMapping
    from tracker.domain.problems import ExtractValidationError

    data = files.csv(["ethnicity", "service_area", "Outcome"], [
        ["Indian", "adults", "Appointed"], ["Irish", "adults", "Unsuccessful"],
        ["Irish", "adults", "Unsuccessful"]])
    with pytest.raises(ExtractValidationError) as raised:
        read_recruitment(data, "r.csv")
    assert "or an outcome such as Appointed, Unsuccessful at interview or Not shortlisted, in " \
           "column appointed, not 'Unsuccessful', in rows 3, 4" in str(raised.value)
    assert examine_extract("recruitment", data, "r.csv").unknown == {
        "outcome": {"Unsuccessful": 2}}
    mapping = ColumnMapping(values={"outcome": {"Unsuccessful": "not-shortlisted"}})
    extract = read_recruitment(data, "r.csv", mapping=mapping)
    assert extract.left_out == 2 and extract.frame["appointed"].tolist() == [True]

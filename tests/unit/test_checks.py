"""Warnings that a figure may be wrong, each said in words a person can act on."""

from __future__ import annotations

from tracker.domain.checks import extract_warnings, not_collected
from tracker.domain.extracts import read_staff, read_survey


def messages(extracts, **options) -> list[str]:
    return [w.message for w in extract_warnings(extracts, **options)]


def staff_rows(n, **cells):
    return [{"staff_id": f"S{i}", "ethnicity": "A" if i % 2 else "H", "left_in_period":
             "yes" if i == 0 else "no", **cells} for i in range(n)]


def test_a_clean_file_has_no_warning(files):
    assert messages({"staff": read_staff(files.staff(staff_rows(120)), "s.csv")}) == []


def test_every_ethnicity_unknown(files):
    extract = read_staff(files.staff([{**r, "ethnicity": "Not stated"}
                                      for r in staff_rows(5)]), "s.csv")
    assert messages({"staff": extract}) == [
        "Every ethnicity is unknown, so no indicator can be calculated. Check that the "
        "ethnicity column is the right one"]


def test_a_low_declaration_rate_and_no_white_staff(files):
    rows = staff_rows(10)
    for row in rows[:2]:
        row["ethnicity"] = ""
    for row in rows:
        row["ethnicity"] = row["ethnicity"] and "H"
    found = messages({"staff": read_staff(files.staff(rows), "s.csv")})
    assert found == [
        "Ethnicity is known for 80.0% of rows, below the 90% that the ASC-WDS asks for: the "
        "figures may not be representative",
        "There are no white people in the file, so no relative likelihood can be calculated. "
        "Check the ethnicity mapping"]


def test_salaries_in_the_pay_band_column(files):
    rows = [{**r, "pay_band": str(20_000 + i)} for i, r in enumerate(staff_rows(60))]
    assert any("The pay band column has 60 different values" in m
               for m in messages({"staff": read_staff(files.staff(rows), "s.csv")}))


def test_no_leavers_in_a_large_staff_file(files):
    rows = [{**r, "left_in_period": "no"} for r in staff_rows(100)]
    assert messages({"staff": read_staff(files.staff(rows), "s.csv")}) == [
        "Nobody left in the period among 100 staff: check the leaver column"]


def test_a_survey_holding_only_ticked_answers(files):
    rows = [{"ethnicity": "A" if i % 2 else "H", "hba_public": "yes" if i % 3 else "",
             "hba_colleagues": "no"} for i in range(9)]
    assert messages({"survey": read_survey(files.survey(rows), "v.csv")}) == [
        "Every answer in column 'hba_public' is yes: an export holding only ticked answers "
        "gives a wrong figure. Include the no answers"]


def test_a_blank_column_is_not_collected(files):
    rows = [{**r, "funded_cpd": ""} for r in staff_rows(10)]
    extract = read_staff(files.staff(rows), "s.csv")
    assert not_collected({"staff": extract}) == ["SCW5"]


def test_a_headcount_far_from_last_years_and_the_same_file_again(files):
    extract = read_staff(files.staff(staff_rows(10)), "s.csv")
    assert messages({"staff": extract}, previous_headcount=20, previous_files=["abc"],
                    fingerprints={"staff": "abc"}) == [
        "The staff file has 10 people, 50% different from the previous cycle's 20. Check that "
        "it covers the whole workforce",
        "This is the same file as the one behind the figures already saved"]

"""Ethnicity cells map to white, gm or unknown as docs/domain.md section 4 lists; nothing else passes."""

from __future__ import annotations

import pandas as pd
import pytest

from tracker.domain import ethnicity
from tracker.domain.ethnicity import (
    BUILTIN_MAPPING,
    build_mapping,
    check_extra_mapping,
    classify,
    ethnic_group,
    load_extra_mapping,
    normalise_label,
)
from tracker.domain.problems import ExtraMappingError
from tracker.domain.tabular import INVALID

ONS_LABELS = [
    ("White: English, Welsh, Scottish, Northern Irish or British", "white"),
    ("White: Irish", "white"),
    ("White: Gypsy or Irish Traveller", "white"),
    ("White: Roma", "white"),
    ("White: Other White", "white"),
    ("Mixed or Multiple ethnic groups: White and Black Caribbean", "gm"),
    ("Mixed or Multiple ethnic groups: White and Black African", "gm"),
    ("Mixed or Multiple ethnic groups: White and Asian", "gm"),
    ("Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups", "gm"),
    ("Asian, Asian British or Asian Welsh: Indian", "gm"),
    ("Asian, Asian British or Asian Welsh: Pakistani", "gm"),
    ("Asian, Asian British or Asian Welsh: Bangladeshi", "gm"),
    ("Asian, Asian British or Asian Welsh: Chinese", "gm"),
    ("Asian, Asian British or Asian Welsh: Other Asian", "gm"),
    ("Black, Black British, Black Welsh, Caribbean or African: Caribbean", "gm"),
    ("Black, Black British, Black Welsh, Caribbean or African: African", "gm"),
    ("Black, Black British, Black Welsh, Caribbean or African: Other Black", "gm"),
    ("Other ethnic group: Arab", "gm"),
    ("Other ethnic group: Any other ethnic group", "gm"),
]
CATEGORIES_ALONE = [(label.split(": ", 1)[1], group) for label, group in ONS_LABELS]
GROUP_NAMES = [
    ("White", "white"),
    ("Mixed or Multiple ethnic groups", "gm"),
    ("Asian, Asian British or Asian Welsh", "gm"),
    ("Black, Black British, Black Welsh, Caribbean or African", "gm"),
    ("Other ethnic group", "gm"),
]
NHS_CODES = (
    [(code, "white") for code in "ABC"]
    + [(code, "gm") for code in "DEFGHJKLMNPRS"]
    + [("Z", "unknown")]
)
UNKNOWN_MARKERS = [
    ("", "unknown"), ("   ", "unknown"), ("Not stated", "unknown"),
    ("Prefer not to say", "unknown"), ("Unknown", "unknown"), ("Not known", "unknown"),
]
ACCEPTED = ONS_LABELS + CATEGORIES_ALONE + GROUP_NAMES + NHS_CODES + UNKNOWN_MARKERS


@pytest.mark.parametrize("label, group", ACCEPTED)
def test_each_accepted_label_maps_to_its_group(label, group):
    assert ethnic_group(label) == group


@pytest.mark.parametrize("label, group", ACCEPTED)
def test_case_and_spacing_do_not_matter(label, group):
    shouted = "  " + label.upper().replace(" ", "   ") + " "
    assert ethnic_group(shouted) == group
    assert ethnic_group(label.lower()) == group


@pytest.mark.parametrize("label, group", [
    ("White:Irish", "white"),
    ("white :  irish", "white"),
    ("Asian,Asian British or Asian Welsh: Indian", "gm"),
    ("z", "unknown"),
    ("\u00a0Not stated\u00a0", "unknown"),  # Excel's non-breaking spaces
    (None, "unknown"),
])
def test_spacing_around_punctuation_and_missing_values(label, group):
    assert ethnic_group(label) == group


@pytest.mark.parametrize("label", [
    "Martian", "I", "O", "Q", "X", "Other", "N/A", "99", "White: Indian", "WXYZ",
])
def test_anything_else_is_unrecognised_not_unknown(label):
    assert ethnic_group(label) is None


def test_normalise_label_folds_case_and_collapses_spaces():
    assert normalise_label("  White :   IRISH ") == "white: irish"


def test_classify_codes_rows_and_groups_unrecognised_labels_by_spelling():
    result = classify(
        pd.Series(["White: Irish", "Martian", "D", "", "martian ", "Z", "Venusian"]),
        build_mapping(),
    )
    assert result.codes.tolist() == [1, INVALID, 0, 2, INVALID, 2, INVALID]
    assert [(raw, rows.tolist()) for raw, rows in result.invalid] == [
        ("Martian", [1, 4]),
        ("Venusian", [6]),
    ]


def test_classify_normalises_each_distinct_value_once(monkeypatch):
    calls = []

    def counting(value):
        calls.append(value)
        return normalise_label(value)

    monkeypatch.setattr(ethnicity, "normalise_label", counting)
    values = pd.Series(["White: Irish", "D", "Z"] * 10_000)
    result = classify(values, build_mapping())
    assert sorted(calls) == ["D", "White: Irish", "Z"]
    assert (result.codes == [1, 0, 2] * 10_000).all()


def test_extra_mapping_adds_labels_and_can_regroup_built_in_ones():
    mapping = build_mapping({"White British": "white", "Gypsy or Irish Traveller": "GM"})
    assert mapping["white british"] == "white"
    assert mapping["gypsy or irish traveller"] == "gm"
    assert ethnic_group("WHITE BRITISH", mapping) == "white"
    assert ethnic_group("Gypsy or Irish Traveller") == "white"  # built-in unchanged


def test_extra_mapping_with_a_bad_group_names_the_label():
    with pytest.raises(ExtraMappingError) as caught:
        check_extra_mapping({"White British": "British", "Other": "gm"})
    (problem,) = caught.value.problems
    assert problem.value == "White British"
    assert "use white, gm or unknown" in problem.message


def test_extra_mapping_that_maps_a_label_two_ways_is_refused():
    with pytest.raises(ExtraMappingError) as caught:
        check_extra_mapping({"White British": "white", "white  british": "gm"})
    assert "mapped to both white and gm" in caught.value.problems[0].message


def test_builtin_mapping_cannot_be_changed():
    with pytest.raises(TypeError):
        BUILTIN_MAPPING["martian"] = "gm"


def test_load_extra_mapping_reads_label_and_group(tmp_path, files):
    path = tmp_path / "ethnicity.csv"
    path.write_bytes(files.csv([" Label ", "GROUP", "note"], [
        ["White British", "white", "from our HR system"],
        ["Asian British", "gm", ""],
        ["Declined", "Unknown", ""],
    ]))
    assert load_extra_mapping(path) == {
        "white british": "white", "asian british": "gm", "declined": "unknown",
    }


def test_load_extra_mapping_reports_every_bad_row(tmp_path, files):
    path = tmp_path / "ethnicity.csv"
    path.write_bytes(files.csv(["label", "group"], [
        ["White British", "white"],
        ["", "gm"],
        ["Asian British", "asian"],
        ["WHITE BRITISH", "gm"],
    ]))
    with pytest.raises(ExtraMappingError) as caught:
        load_extra_mapping(path)
    assert [(p.row, p.column, p.message) for p in caught.value.problems] == [
        (3, "label", "Enter an ethnicity label in row 3"),
        (4, "group", "Group for 'Asian British' in row 4 must be white, gm or unknown, "
                     "not 'asian'"),
        (5, "label", "Ethnicity label 'WHITE BRITISH' in row 5 is already mapped to white "
                     "in row 2"),
    ]


def test_load_extra_mapping_needs_both_columns(tmp_path, files):
    path = tmp_path / "ethnicity.csv"
    path.write_bytes(files.csv(["label", "ethnic group"], [["White British", "white"]]))
    with pytest.raises(ExtraMappingError) as caught:
        load_extra_mapping(path)
    (problem,) = caught.value.problems
    assert (problem.file, problem.column) == ("ethnicity.csv", "group")
    assert problem.message == "The file must have a column called 'group'"


def test_load_extra_mapping_of_a_missing_file_says_it_cannot_be_read(tmp_path):
    with pytest.raises(ExtraMappingError) as caught:
        load_extra_mapping(tmp_path / "nowhere.csv")
    assert caught.value.problems[0].message.startswith(
        "The ethnicity mapping file cannot be read"
    )


def test_load_extra_mapping_of_a_binary_file_is_a_mapping_error(tmp_path):
    path = tmp_path / "ethnicity.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(ExtraMappingError):
        load_extra_mapping(path)

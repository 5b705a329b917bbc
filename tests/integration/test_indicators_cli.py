"""`flask tracker indicators compute`: the exact contract other tools rely on."""

from __future__ import annotations

import json

import pytest

from tests.extract_files import small_extracts

RL_KEYS = {"status", "rl", "rating", "ci95", "low_confidence", "gm", "white", "unknown"}
SERIES = ["SCW2", "SCW3", "SCW4", "SCW5", "SCW6", "SCW7a", "SCW7b", "SCW8", "SCW9"]


@pytest.fixture(scope="module")
def extracts(tmp_path_factory):
    return small_extracts(tmp_path_factory.mktemp("extracts"))


def _compute(runner, *args):
    return runner.invoke(args=["tracker", "indicators", "compute", *args])


def test_prints_one_json_object_in_the_contract_shape(runner, extracts):
    result = _compute(runner, "--staff", str(extracts["staff"]), "--recruitment",
                      str(extracts["recruitment"]), "--survey", str(extracts["survey"]), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"service_area", "declaration_rate", "indicators", "warnings"}
    assert data["service_area"] == "all"
    assert set(data["declaration_rate"]) == {"staff", "recruitment", "survey"}
    assert all(0 < v <= 1 for v in data["declaration_rate"].values())
    assert list(data["indicators"]) == ["SCW1", *SERIES]
    scw1 = data["indicators"]["SCW1"]
    assert set(scw1) == {"gm_share_workforce", "bands"}
    for band in scw1["bands"].values():
        assert set(band) == {"gm", "white", "unknown", "gm_share", "gap_pp", "rl"}
    for sid in SERIES:
        entry = data["indicators"][sid]
        assert set(entry) == RL_KEYS | ({"gap_pp"} if sid == "SCW9" else set())
        assert entry["status"] in {"ok", "no-data", "no-events", "not-calculable"}
        assert set(entry["gm"]) == {"numerator", "denominator"}
        if entry["status"] == "ok":
            assert entry["rating"] in {"within", "adverse", "reverse"}
            assert isinstance(entry["rl"], float)


def test_service_area_and_missing_extracts_are_no_data(runner, extracts):
    result = _compute(runner, "--staff", str(extracts["staff"]), "--service-area", "children",
                      "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["service_area"] == "children"
    assert data["declaration_rate"]["recruitment"] is None
    assert data["declaration_rate"]["survey"] is None
    for sid in ("SCW2", "SCW6", "SCW7a", "SCW7b"):
        assert data["indicators"][sid]["status"] == "no-data"
        assert data["indicators"][sid]["rl"] is None
    assert data["indicators"]["SCW3"]["status"] != "no-data"


def test_nhs_orientation_inverts_scw2_and_scw5_only(runner, extracts):
    args = ["--staff", str(extracts["staff"]), "--recruitment", str(extracts["recruitment"]),
            "--json"]
    default = json.loads(_compute(runner, *args).stdout)["indicators"]
    nhs = json.loads(_compute(runner, *args, "--orientation", "nhs").stdout)["indicators"]
    for sid in ("SCW2", "SCW5"):
        assert nhs[sid]["rl"] == pytest.approx(1 / default[sid]["rl"])
    assert nhs["SCW3"] == default["SCW3"]


def test_invalid_files_exit_2_naming_every_problem(runner, tmp_path):
    staff = tmp_path / "staff.csv"
    staff.write_text(
        "staff_id,ethnicity,service_area,pay_band,senior_manager,regulated_professional,"
        "formal_disciplinary,ftp_referral,funded_cpd,left_in_period\n"
        "S1,Martian,adults,<30k,no,no,no,no,no,no\n"
        "S1,White: Irish,adults,<30k,maybe,no,no,no,no,no\n"
        "S3,Indian,space,<30k,no,no,no,no,no,no\n")
    survey = tmp_path / "survey.csv"
    survey.write_text("ethnicity,service_area\nIndian,adults\n")
    result = _compute(runner, "--staff", str(staff), "--survey", str(survey), "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    errors = result.stderr
    assert "'Martian'" in errors and "row 2" in errors
    assert "Staff ID 'S1' appears more than once, in rows 2, 3" in errors
    assert "'maybe'" in errors and "senior_manager" in errors
    assert "'space'" in errors and "row 4" in errors
    assert "survey.csv" in errors and "hba_public" in errors


def test_a_file_that_is_not_a_spreadsheet_exits_2(runner, tmp_path):
    staff = tmp_path / "staff.xlsx"
    staff.write_bytes(b"\x00\x01\x02 this is not a spreadsheet \xff\xfe")
    result = _compute(runner, "--staff", str(staff), "--json")
    assert result.exit_code == 2
    assert "staff.xlsx" in result.stderr


def test_the_installations_extra_mapping_is_used(app, tmp_path):
    from tracker import create_app

    mapping = tmp_path / "local-labels.csv"
    mapping.write_text("label,group\nWhite Cornish,white\nKashmiri,gm\n")
    staff = tmp_path / "staff.csv"
    staff.write_text(
        "staff_id,ethnicity,service_area,pay_band,senior_manager,regulated_professional,"
        "formal_disciplinary,ftp_referral,funded_cpd,left_in_period\n"
        "S1,White Cornish,adults,<30k,no,no,yes,no,no,no\n"
        "S2,Kashmiri,adults,<30k,no,no,yes,no,no,no\n")
    plain = _compute(app.test_cli_runner(), "--staff", str(staff), "--json")
    assert plain.exit_code == 2 and "'White Cornish'" in plain.stderr
    local = create_app("test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                       ETHNICITY_MAPPING_FILE=str(mapping))
    result = _compute(local.test_cli_runner(), "--staff", str(staff), "--json")
    assert result.exit_code == 0, result.stderr
    scw3 = json.loads(result.stdout)["indicators"]["SCW3"]
    assert scw3["gm"] == {"numerator": 1, "denominator": 1}
    assert scw3["white"] == {"numerator": 1, "denominator": 1}


def test_a_broken_extra_mapping_stops_the_app_from_starting(app, tmp_path):
    from tracker import create_app
    from tracker.domain.problems import ExtraMappingError

    mapping = tmp_path / "local-labels.csv"
    mapping.write_text("label,group\nWhite Cornish,purple\n")
    with pytest.raises(ExtraMappingError, match="purple"):
        create_app("test", ETHNICITY_MAPPING_FILE=str(mapping))

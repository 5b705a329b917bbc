"""No silent wrong figure: warnings need a tick and stay as notes; the CLI takes a mapping."""

from __future__ import annotations

import io
import json

import openpyxl
import pandas as pd
import pytest

from tests.extract_files import small_extracts
from tests.helpers import csrf_token, page, sign_in
from tracker.extensions import db

UPLOAD = "/org/northshire/cycles/2024-25/indicators/upload"
RESULTS = "/org/northshire/cycles/2024-25/indicators"


@pytest.fixture(scope="module")
def extracts(tmp_path_factory):
    return small_extracts(tmp_path_factory.mktemp("check-extracts"))


def _upload(client, content: bytes, name: str):
    data = {"csrf_token": csrf_token(client, UPLOAD), "extracts-submit": "Upload and check",
            "extracts-staff": (io.BytesIO(content), name)}
    return client.post(UPLOAD, data=data, content_type="multipart/form-data")


def _blank_cpd(extracts) -> bytes:
    frame = pd.read_csv(extracts["staff"], dtype=str, keep_default_na=False)
    frame["funded_cpd"] = ""
    return frame.to_csv(index=False).encode()


def test_a_blank_column_needs_a_tick_and_stays_as_a_note(client_as, extracts):
    lead = client_as("edi_lead")
    response = _upload(lead, _blank_cpd(extracts), "staff.csv")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    preview_url = response.headers["Location"]
    preview = page(lead.get(preview_url))
    assert "things to check before saving" in preview.get_text()
    assert "Column 'funded_cpd' (funded_cpd) is blank on every row" in preview.get_text()
    # Northshire's 2023-24 figures (the demo's) are of far more staff than this file's 600
    assert "The staff file has 600 people" in preview.get_text()
    assert "Not collected" in preview.select_one("#row-SCW5").get_text()

    refused = lead.post(preview_url, data={"csrf_token": csrf_token(lead, preview_url)})
    assert refused.status_code == 400
    assert "Confirm that the data is right" in page(refused).select_one(
        ".govuk-error-summary").get_text()
    assert "blank on every row" not in page(lead.get(RESULTS)).get_text()  # nothing saved

    saved = lead.post(preview_url, data={"csrf_token": csrf_token(lead, preview_url),
                                         "confirmed": "yes"})
    assert saved.status_code == 302
    results = page(lead.get(RESULTS))
    assert "blank on every row" in results.select_one("#data-quality").find_next("ul").get_text()
    assert "Not collected" in results.select_one("#row-SCW5").get_text()


def test_the_preview_says_how_each_file_was_read(client_as, extracts):
    lead = client_as("edi_lead")
    frame = pd.read_csv(extracts["staff"], dtype=str, keep_default_na=False)
    text = frame.to_csv(index=False, sep=";")
    response = _upload(lead, ("Staff extract 2024-25\n\n" + text).encode("cp1252"), "staff.csv")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    preview = page(lead.get(response.headers["Location"])).get_text()
    assert "Read as CSV: semicolon-delimited, UTF-8; headers in row 3" in preview


def test_a_formula_without_a_saved_value_is_an_error_naming_the_cell(client_as, extracts):
    book = openpyxl.Workbook()
    sheet = book.active
    frame = pd.read_csv(extracts["staff"], dtype=str, keep_default_na=False).head(20)
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append(list(row))
    sheet["J3"] = '=IF(1,"yes","no")'
    buffer = io.BytesIO()
    book.save(buffer)
    response = _upload(client_as("edi_lead"), buffer.getvalue(), "staff.xlsx")
    assert response.status_code == 400
    assert ("Cell J3 has a formula whose value was never saved, so it would read as blank. Open "
            "and save the file in Excel, or copy the cells and paste them as values"
            ) in page(response).get_text()


def _compute(runner, *args):
    return runner.invoke(args=["tracker", "indicators", "compute", *args])


def test_the_cli_takes_the_mapping_file_the_web_downloads(runner, extracts, tmp_path):
    frame = pd.read_csv(extracts["staff"], dtype=str, keep_default_na=False)
    frame = frame.rename(columns={"staff_id": "Emp Ref", "ethnicity": "Ethnic Desc"})
    frame["Ethnic Desc"] = frame["Ethnic Desc"].replace({"Roma": "WB*"})
    staff = tmp_path / "hr.csv"
    frame.to_csv(staff, index=False)
    plain = _compute(runner, "--staff", str(staff), "--json")
    assert plain.exit_code == 2
    assert "hr.csv: The file must have a column called 'staff_id'" in plain.stderr
    # the headers the file has are listed once, to choose from
    assert "hr.csv: The headers found in row 1 are 'Emp Ref', 'Ethnic Desc', 'service_area'" \
        in plain.stderr
    assert plain.stderr.count("The headers found") == 1

    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({
        "staff": {"columns": {"staff_id": "Emp Ref", "ethnicity": "Ethnic Desc"}},
        "values": {"ethnicity": {"WB*": "white"}, "service_area": {}, "yes_no": {}}}))
    result = _compute(runner, "--staff", str(staff), "--mapping", str(mapping), "--json")
    assert result.exit_code == 0, result.output
    expected = _compute(runner, "--staff", str(extracts["staff"]), "--json")
    assert json.loads(result.stdout) == json.loads(expected.stdout)


def test_cli_warnings_go_to_json_and_standard_error(runner, extracts, tmp_path):
    staff = tmp_path / "staff.csv"
    staff.write_bytes(_blank_cpd(extracts))
    result = _compute(runner, "--staff", str(staff), "--json")
    assert result.exit_code == 0
    [warning] = json.loads(result.stdout)["warnings"]
    assert warning["file"] == "staff.csv" and warning["column"] == "funded_cpd"
    assert warning["message"].startswith("Column 'funded_cpd' (funded_cpd) is blank")
    assert f"Warning: staff.csv: {warning['message']}" in result.stderr
    assert json.loads(result.stdout)["indicators"]["SCW5"]["status"] == "not-collected"


def test_a_bad_mapping_file_is_named(runner, extracts, tmp_path):
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"staff": {"columns": {"colour": "Hair"}},
                                   "values": {"ethnicity": {"X1": "purple"}}}))
    result = _compute(runner, "--staff", str(extracts["staff"]), "--mapping", str(mapping))
    assert result.exit_code == 2
    assert "mapping.json: The staff extract has no column 'colour'" in result.stderr
    assert "mapping.json: ethnicity value 'X1' must mean gm or white or unknown, not 'purple'" \
        in result.stderr


def _eastbrook_upload(client, cycle: str, content: bytes):
    url = f"/org/eastbrook/cycles/{cycle}/indicators/upload"
    data = {"csrf_token": csrf_token(client, url), "extracts-submit": "Upload and check",
            "extracts-staff": (io.BytesIO(content), "staff.csv")}
    return client.post(url, data=data, content_type="multipart/form-data")


def _warnings(client, response) -> list[str]:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    preview = page(client.get(response.headers["Location"]))
    return [li.get_text(" ", strip=True) for li in preview.select("#confirmed-hint li")]


def test_last_years_file_again_and_a_headcount_far_from_last_years(
        app, client_as, extracts, factories, db_session):
    from tracker.models import Organisation

    eastbrook = db_session.scalar(db.select(Organisation).filter_by(slug="eastbrook"))
    factories.cycle(organisation=eastbrook, start_year=2025)
    db_session.commit()
    lead = app.test_client()
    assert sign_in(lead, "edi.lead@eastbrook.example.org").status_code == 302
    staff = extracts["staff"].read_bytes()
    first = _eastbrook_upload(lead, "2024-25", staff)
    assert _warnings(lead, first) == []  # no earlier figures: nothing to compare with
    preview_url = first.headers["Location"]
    assert lead.post(preview_url, data={"csrf_token": csrf_token(lead, preview_url)}
                     ).status_code == 302

    again = _eastbrook_upload(lead, "2025-26", staff)
    assert _warnings(lead, again) == [
        "staff.csv: This is the same file as the one behind the 2024-25 figures: is it this "
        "cycle's?"]
    smaller = "\n".join(staff.decode().splitlines()[:301]).encode()  # 300 people of 600
    assert _warnings(lead, _eastbrook_upload(lead, "2025-26", smaller)) == [
        "staff.csv: The staff file has 300 people, 50% different from the previous cycle's 600 "
        "(2024-25). Check that it covers the whole workforce"]
